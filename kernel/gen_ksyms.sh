#!/bin/sh
# Turns `nm -n` output (on stdin) into the .ksyms assembly for backtraces:
# ksyms_count, ksyms_table (sorted {address, name offset}) and ksyms_names.
# Only text symbols (t/T) are kept. Empty input gives an empty table, used
# for the first of the two links.
awk 'BEGIN { n = 0 }
NF == 3 && ($2 == "t" || $2 == "T") { addr[n] = $1; name[n] = $3; n++ }
END {
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.globl ksyms_count"
	print "ksyms_count:"
	printf "\t.quad %d\n", n
	print "\t.globl ksyms_table"
	print "ksyms_table:"
	off = 0
	for (i = 0; i < n; i++) {
		printf "\t.quad 0x%s, %d\n", addr[i], off
		off += length(name[i]) + 1
	}
	print "\t.globl ksyms_names"
	print "ksyms_names:"
	for (i = 0; i < n; i++)
		printf "\t.asciz \"%s\"\n", name[i]
	if (n == 0)
		print "\t.byte 0"
}'
