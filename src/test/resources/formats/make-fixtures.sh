#!/usr/bin/env bash
# Regenerates the disk-image fixtures of dev.loupe.imports.format's tests, in this folder.
# Needs qemu-img (Debian qemu-utils), genisoimage, sgdisk (gdisk) and sfdisk (fdisk).
# Every image is 1 MiB virtual where the format has a virtual size, and small on disk. The virtual sizes the tests
# expect are what `qemu-img info --output=json` printed for these files (qemu-img 7.2).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make() { (cd "$work" && qemu-img create -q "$@"); }

# qcow2: plain v3 (default clusters), v2, with a backing file, with an external data file.
make -f qcow2 qcow2-v3.qcow2 1M
make -f qcow2 -o compat=0.10,cluster_size=4096 qcow2-v2.qcow2 1M
make -f qcow2 -o cluster_size=4096 -b qcow2-v3.qcow2 -F qcow2 qcow2-backing.qcow2
make -f qcow2 -o cluster_size=4096,data_file=qcow2-data-file.data qcow2-data-file.qcow2 1M
# qed, which qemu can also give a backing file.
make -f qed -o cluster_size=4096 qed.qed 1M
make -f qed -o cluster_size=4096 -b qcow2-v3.qcow2 -F qcow2 qed-backing.qed

# vmdk: single-file sparse and streamOptimized; monolithicFlat is a descriptor beside a flat data file;
# twoGbMaxExtentSparse is a descriptor beside sparse extents that carry no descriptor of their own.
make -f vmdk vmdk-sparse.vmdk 1M
make -f vmdk -o subformat=streamOptimized vmdk-stream.vmdk 1M
make -f vmdk -o subformat=monolithicFlat vmdk-flat.vmdk 1M
make -f vmdk -o subformat=twoGbMaxExtentSparse vmdk-split.vmdk 1M

# vhd (qemu's "vpc") dynamic and fixed, vhdx, vdi, ploop (qemu's "parallels"), raw.
make -f vpc vhd-dynamic.vhd 1M
make -f vpc -o subformat=fixed vhd-fixed.vhd 1M
make -f vhdx vhdx.vhdx 1M
make -f vdi vdi.vdi 1M
make -f parallels -o cluster_size=64K ploop.hds 1M
make -f raw raw.raw 64K

# An ISO 9660 image of one small file.
mkdir "$work/iso-root"
echo 'Loupe test file' > "$work/iso-root/hello.txt"
genisoimage -quiet -V LOUPE -o "$work/iso.iso" "$work/iso-root"

# Raw disks with a GPT (one partition filling the disk) and with an MBR (one Linux partition).
make -f raw gpt.img 64K
sgdisk -o -n 1:0:0 "$work/gpt.img" > /dev/null
make -f raw mbr.img 64K
echo 'start=1, size=100, type=83' | sfdisk -q "$work/mbr.img"

# The vhdx is 8 MiB of which only 512 KiB is not zero, so only its non-zero 64 KiB runs are kept, each in a file
# named after its offset; the tests put them back at those offsets in a file of the recorded length (8388608).
vhdx_length=$(stat -c %s "$work/vhdx.vhdx")
[ "$vhdx_length" = 8388608 ] || { echo "vhdx length changed: $vhdx_length" >&2; exit 1; }
rm -f vhdx.vhdx.at-*
for run in 0:5 32:1 48:2; do
    skip=${run%:*} count=${run#*:}
    dd if="$work/vhdx.vhdx" of="vhdx.vhdx.at-$((skip * 65536))" bs=64K skip="$skip" count="$count" status=none
done
truncate -s "$vhdx_length" "$work/vhdx.check"
for part in vhdx.vhdx.at-*; do
    dd if="$part" of="$work/vhdx.check" bs=64K seek=$((${part#vhdx.vhdx.at-} / 65536)) conv=notrunc status=none
done
cmp "$work/vhdx.vhdx" "$work/vhdx.check" || { echo "vhdx has non-zero bytes outside the kept runs" >&2; exit 1; }

# The data files of monolithicFlat and of the external-data qcow2 are 1 MiB of zeros the tests never read.
cp "$work"/{qcow2-v3.qcow2,qcow2-v2.qcow2,qcow2-backing.qcow2,qcow2-data-file.qcow2,qed.qed,qed-backing.qed} .
cp "$work"/{vmdk-sparse.vmdk,vmdk-stream.vmdk,vmdk-flat.vmdk,vmdk-split.vmdk,vmdk-split-s001.vmdk} .
cp "$work"/{vhd-dynamic.vhd,vhd-fixed.vhd,vdi.vdi,ploop.hds,raw.raw,iso.iso,gpt.img,mbr.img} .
