# SPDX-License-Identifier: GPL-2.0
# gnuplot -e "dat='DATA'; png='PNG'" tools/bench/plot.gp
set terminal pngcairo size 900,540 font ",11"
set output png
set title "New connections per second, ratio to conntrack only (same run)"
set xlabel "rules"
set ylabel "ratio"
set logscale x
set xrange [0.7:14000]
set yrange [0:*]
set key bottom left
set grid
plot dat using 1:2 with linespoints title "secgroup, worst", \
     dat using 1:3 with linespoints title "secgroup, best", \
     dat using 1:4 with linespoints title "nftables linear", \
     dat using 1:5 with linespoints title "nftables set"
