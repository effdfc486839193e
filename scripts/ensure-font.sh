#!/usr/bin/env bash
# Makes sure the CJK font application.pdf embeds is there: Debian's fonts-wqy-microhei when
# missing and we may. With PDF_FONT_FILE set, only checks that file.
set -euo pipefail
default=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
font="${PDF_FONT_FILE:-$default}"
[ -f "$font" ] && exit 0
if [ "$font" = "$default" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "PDF font missing: installing Debian's fonts-wqy-microhei" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null
else
  echo "PDF font $font not found: install Debian's fonts-wqy-microhei" \
    "(apt-get install fonts-wqy-microhei) or set PDF_FONT_FILE to a TrueType CJK font" >&2
  exit 1
fi
