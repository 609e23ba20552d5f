#!/usr/bin/env bash
# Install the Debian packages the portal and its tests need, when they are missing.
#   fonts-wqy-microhei  CJK font embedded in PDFs (forms, certificates, deposits)
#   gettext             compiles the translations
#   poppler-utils       pdftotext/pdftoppm, used by tests and to look at generated PDFs
#   chromium, chromium-driver   the real browser for end-to-end tests (only with --browser)
#   nginx               the reverse proxy of the loopback production topology (only with --topology)
#   wrk                 the HTTP load generator of bench/pages_bench.py (only with --bench)
#   build-essential, python3-dev, libffi-dev   to build Argon2 for the machine's CPU (only with --native)
set -euo pipefail

packages=(fonts-wqy-microhei gettext poppler-utils)
case "${1:-}" in
  --browser) packages+=(chromium chromium-driver) ;;
  --topology) packages+=(nginx) ;;
  --bench) packages+=(wrk) ;;
  --native) packages+=(build-essential python3-dev libffi-dev) ;;
esac

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]} (install them with your package manager)." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing system packages: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
