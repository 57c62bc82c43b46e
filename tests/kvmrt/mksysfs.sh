#!/bin/sh
# Make a fake sysfs tree describing a machine, for the kvmrt tools' --sysfs.
#   mksysfs.sh DIR SOCKETS CORES THREADS NODES [adjacent] [offline=CPUS]
# CPUs are numbered the Intel way (thread t of core c of socket s is CPU
# t*SOCKETS*CORES + s*CORES + c) or, with "adjacent", the AMD way (hyper-threads
# of a core numbered next to each other). Cores are spread evenly over NODES
# NUMA nodes (NODES=0: no node directory, as a kernel without NUMA).
# "offline=20,21" marks CPUs offline (their topology directory is gone).
set -eu
dir=$1 sockets=$2 cores=$3 threads=$4 nodes=$5
shift 5
adjacent=0 offline=,
for a in "$@"; do
	case $a in
	adjacent) adjacent=1 ;;
	offline=*) offline=,${a#offline=}, ;;
	*) echo "mksysfs.sh: unknown argument '$a'" >&2; exit 2 ;;
	esac
done
ncores=$((sockets * cores))
ncpus=$((ncores * threads))
cpu_of() { # core-index thread
	if [ $adjacent = 1 ]; then echo $(($1 * threads + $2)); else echo $(($2 * ncores + $1)); fi
}
rm -rf "$dir"
mkdir -p "$dir/devices/system/cpu"
k=0
while [ $k -lt $ncores ]; do
	s=$((k / cores)) c=$((k % cores))
	sib= t=0
	while [ $t -lt $threads ]; do
		sib=$sib${sib:+,}$(cpu_of $k $t)
		t=$((t + 1))
	done
	t=0
	while [ $t -lt $threads ]; do
		n=$(cpu_of $k $t)
		d=$dir/devices/system/cpu/cpu$n
		mkdir -p "$d"
		case $offline in
		*,$n,*) echo 0 > "$d/online" ;;
		*)
			[ $n = 0 ] || echo 1 > "$d/online"
			mkdir -p "$d/topology"
			echo $s > "$d/topology/physical_package_id"
			echo $c > "$d/topology/core_id"
			# offline CPUs are not in their siblings' lists
			osib= ; for x in $(echo $sib | tr , ' '); do
				case $offline in *,$x,*) ;; *) osib=$osib${osib:+,}$x ;; esac
			done
			echo "$osib" > "$d/topology/thread_siblings_list"
			;;
		esac
		t=$((t + 1))
	done
	k=$((k + 1))
done
echo "0-$((ncpus - 1))" > "$dir/devices/system/cpu/present"
[ "$nodes" -gt 0 ] || exit 0
node=0
while [ $node -lt $nodes ]; do
	list=
	k=0
	while [ $k -lt $ncores ]; do
		if [ $((k * nodes / ncores)) = $node ]; then
			t=0
			while [ $t -lt $threads ]; do
				list="$list $(cpu_of $k $t)"
				t=$((t + 1))
			done
		fi
		k=$((k + 1))
	done
	mkdir -p "$dir/devices/system/node/node$node"
	echo $list | tr ' ' '\n' | sort -n | awk '
		NR == 1 { lo = hi = $1; next }
		$1 == hi + 1 { hi = $1; next }
		{ out = out (out ? "," : "") (lo == hi ? lo : lo "-" hi); lo = hi = $1 }
		END { out = out (out ? "," : "") (lo == hi ? lo : lo "-" hi); print out }' \
		> "$dir/devices/system/node/node$node/cpulist"
	node=$((node + 1))
done
