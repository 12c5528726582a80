#!/usr/bin/env bash
# One-command, idempotent set-up for a fresh Debian 12 machine: Debian packages, Go modules and the
# ONNX Runtime CPU library. Run by `make setup`, which `make test` and `make demo` call first.
#
# ONNX Runtime comes from the onnxruntime-node npm tarball because that registry is reachable from
# build machines where GitHub releases are not; the tarball's checksum is pinned below and the
# library is cached under .cache/ (gitignored). ONNXRUNTIME_LIB overrides it (a TensorRT/CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_VERSION=1.24.1
# npm's published sha512 integrity of onnxruntime-node-1.24.1.tgz, as hex.
ORT_TGZ_SHA512=131fe851729d843a31be$(printf '%s' 'Ex/oUXKdhDoxvlNxBT3oYtW0MH88yYpPlXQeVQUXpcJQmN24usd/8RCoPLN5kCHwDsiZ+nqsnjciyFRl423dQw==' | base64 -d | xxd -p | tr -d '\n' | cut -c21-)

APT_PACKAGES=(
  build-essential pkg-config xxd ca-certificates
  libopencv-dev                                   # gocv: resize, colour conversion, imdecode, remap
  cyclonedds-dev cyclonedds-tools                 # ROS 2 transport (DESIGN §6)
  python3 python3-torch python3-torchvision python3-onnx python3-numpy   # training recipe, export, parity
  nodejs npm                                      # fetching the ONNX Runtime library from the npm registry
  cmake shellcheck                                # the ament package test; linting the shell scripts
  python3-genpy python3-rosbag python3-roslz4     # independent ROS 1 serializer and bag writer for msgs/bag tests
  python3-std-msgs python3-rosgraph-msgs python3-sensor-msgs python3-geometry-msgs python3-nav-msgs
  python3-tf2-msgs python3-diagnostic-msgs python3-stereo-msgs   # ROS 1 message classes for those tests
  libfastrtps-dev fastddsgen                      # Fast DDS: ROS 2's default middleware, the interop peer
  openssl                                         # SROS2 test keystores (CA, certificates, S/MIME-signed XML)
  ros-core                                        # ROS 1: roscore, roslaunch, rosparam, rostopic for the ROS 1 node's tests
)

log() { printf '[setup] %s\n' "$*"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A Node.js that did not come from apt (already on PATH) is good enough for `npm pack`.
if command -v npm >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

case "$(uname -m)" in
  x86_64) ORT_ARCH=x64 ;;
  aarch64|arm64) ORT_ARCH=arm64 ;;
  *) echo "setup: no prebuilt ONNX Runtime for $(uname -m); set ONNXRUNTIME_LIB to your own build" >&2; exit 1 ;;
esac
ORT_DIR=.cache/onnxruntime/$ORT_VERSION/$ORT_ARCH
if [ -n "${ONNXRUNTIME_LIB:-}" ]; then
  log "ONNXRUNTIME_LIB=$ONNXRUNTIME_LIB (not fetching the CPU library)"
elif [ -f "$ORT_DIR/libonnxruntime.so.1" ]; then
  log "ONNX Runtime $ORT_VERSION present in $ORT_DIR"
else
  log "fetching ONNX Runtime $ORT_VERSION ($ORT_ARCH) from the onnxruntime-node npm tarball"
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "onnxruntime-node@$ORT_VERSION" >/dev/null)
  tgz="$work/onnxruntime-node-$ORT_VERSION.tgz"
  got=$(sha512sum "$tgz" | cut -d' ' -f1)
  if [ "$got" != "$ORT_TGZ_SHA512" ]; then
    echo "setup: checksum mismatch for $tgz: got $got, want $ORT_TGZ_SHA512" >&2; exit 1
  fi
  tar -xzf "$tgz" -C "$work" "package/bin/napi-v6/linux/$ORT_ARCH/libonnxruntime.so.1"
  mkdir -p "$ORT_DIR"
  install -m 0644 "$work/package/bin/napi-v6/linux/$ORT_ARCH/libonnxruntime.so.1" "$ORT_DIR/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$ORT_DIR/libonnxruntime.so"
fi

log "Go modules"
go mod download

# Foxglove's own TypeScript MCAP stack reads our bags in a test (what Foxglove Studio does).
if [ ! -d bag/testdata/foxglove/node_modules ] || [ bag/testdata/foxglove/package-lock.json -nt bag/testdata/foxglove/node_modules ]; then
  log "npm packages for the Foxglove interop test"
  (cd bag/testdata/foxglove && npm ci --no-audit --no-fund --loglevel=error)
fi

log "done"
