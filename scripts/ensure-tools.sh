#!/usr/bin/env bash
# The system tools the statement tests check our files with, as a user would: pdftotext/pdfinfo
# (poppler-utils), hledger, and LibreOffice (XLSX opens without repair). Installs the missing ones
# with apt-get when it can (root or passwordless sudo); otherwise says exactly what to install.
set -euo pipefail

declare -A package_of=([pdftotext]=poppler-utils [pdfinfo]=poppler-utils [hledger]=hledger [libreoffice]=libreoffice-calc-nogui)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')

if ! command -v apt-get >/dev/null 2>&1; then
  echo "The statement tests need: ${packages}(poppler-utils, hledger, LibreOffice Calc). Install them with your package manager and re-run." >&2
  exit 1
elif [ "$(id -u)" -eq 0 ]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo -n); else
  echo "The statement tests need: ${packages}. Install them (e.g. sudo apt-get install --no-install-recommends ${packages}) and re-run." >&2
  exit 1
fi
echo "Installing ${packages}(once; a few minutes)…" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends ${packages} >/dev/null
