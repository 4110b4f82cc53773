#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-classifier: instructions per lookup, counted by callgrind in
# lookup_loop() only, for 1..10000 rules and four packet mixes, secgroup's
# classifier next to a linear scan in the same run; then build time and
# memory per size.
bin=$1
count() {	# count ENGINE RULES MIX -> instructions per lookup
	valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
		--toggle-collect=lookup_loop "$bin" "$@" 2>&1 |
		awk '/Collected :/ { printf "%d", $NF / 1000 }'
}
echo "Instructions per lookup (callgrind; 1000 lookups per cell)"
echo
echo "| rules | mix | secgroup | linear scan |"
echo "|---:|---|---:|---:|"
for n in 1 10 100 1000 10000; do
	for mix in first last none random; do
		echo "| $n | $mix | $(count sgc $n $mix) | $(count linear $n $mix) |"
	done
done
echo
echo "Build time and memory (native run)"
echo
"$bin"
