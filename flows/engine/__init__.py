"""The engine: fields, input kinds, validators, the state machine and the runner that walks any
flow. It knows no particular service."""
