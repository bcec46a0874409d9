#!/bin/sh
# gdb-symbols.sh MAP IMAGE OUT - an ELF file of symbols for gdb, made from
# nasm's map file of a flat guest (nasm -f bin -dMAP=MAP, as chapter 13's
# guest-asm/rom/debug.asm asks for): the image's bytes in a .text section
# at its first label's address, and each label a function symbol at its
# address, so that gdb's "break LABEL" and "x/i $pc" name the guest's own
# code. A flat binary has no symbols; this gives them back. Needs as and
# ld (binutils, which gcc brings).
set -eu
map=$1 image=$2 out=$3
tmp=$out.tmp.s
# The symbol lines of the map: "Real Virtual Name", addresses in hex.
syms=$(awk '/^-- Symbols/ { on = 1; next } on && $1 ~ /^[0-9A-Fa-f]+$/ && NF == 3 { print $2, $3 }' "$map")
[ -n "$syms" ] || { echo "gdb-symbols.sh: no symbols in $map" >&2; exit 1; }
base=$(echo "$syms" | awk '{ print $1 }' | sort | head -n 1)
{
	echo "	.text"
	echo "_image:"
	echo "	.incbin \"$image\""
	echo "$syms" | while read -r addr name; do
		case $name in *.*) kind=notype ;; *) kind=function ;; esac
		# nasm's local labels (fib_loop.next) keep their dot; fine for gdb.
		echo "	.globl $name"
		echo "	.type $name, @$kind"
		echo "	.set $name, _image + 0x$addr - 0x$base"
	done
} >"$tmp"
as --64 -o "$out.o" "$tmp"
ld -m elf_x86_64 -Ttext=0x$base -e 0x$base -o "$out" "$out.o"
rm -f "$tmp" "$out.o"
