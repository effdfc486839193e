"""Credit repair (Art. 58, 16 of the Regulations): which record, whether and when it can be
repaired, the cure, the proof, the credit commitment letter, and the application."""
