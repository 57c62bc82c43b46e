#!/bin/bash
# Build the xtrace test guest: Debian's kernel and an initramfs with busybox, OpenSSH's sshd
# (and sftp-server), the xtrace programs, kvmrt-gs (with libkvmrt_gs, gs-sample and gs-bench
# when built), kvm-tiny and the kvm/kvm_amd/virtio modules (virtio_console: virtio-serial).
#
#   tests/vm/build-guest.sh [-f] [-q]      -f: rebuild even if nothing changed; -q: quiet
#
# Outputs (under build/vm/, never committed):
#   vmlinux, initrd.img              the guest (tests/vm/guest.sh boots them): the kernel as an
#                                    uncompressed ELF (PVH boot, faster under TCG)
#   vmlinuz                          the same kernel as Debian ships it (bzImage)
#   keys/id_ed25519{,.pub}           root's key pair for ssh into the guest
#   keys/ssh_host_ed25519_key{,.pub} the guest's host key (made here, so known_hosts is known)
#   known_hosts                      that key for [127.0.0.1]:* (any forwarded port)
#   debs/                            the Debian packages downloaded (cache)
#   kernel/VERSION/                  the kernel and the modules taken from its package
#   guest.inputs                     what the initramfs was built from (its hash decides rebuilds)
#
# Environment: XT_VM_KERNEL_PKG=linux-image-6.1.0-NN-amd64 picks the kernel package (default:
# the one already downloaded, else the one Debian's linux-image-amd64 depends on).
set -eu
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
VM=$top/build/vm
force=0 quiet=0
for a in "$@"; do
	case $a in
	-f) force=1 ;;
	-q) quiet=1 ;;
	*) echo "usage: build-guest.sh [-f] [-q]" >&2; exit 2 ;;
	esac
done

log() { [ $quiet = 1 ] || echo "build-guest: $*" >&2; }
die() { echo "build-guest: error: $*" >&2; exit 1; }

# Modules the guest loads (with their dependencies from modules.dep), in this order.
MODULES="virtio virtio_ring virtio_pci virtio_net virtio_console virtio-rng kvm kvm-amd"
# Host programs copied into the guest with every library ldd names.
XT_PROGS="xtrace-run xtrace-ctl xtrace-view xtrace-multi-merge xtrace-probe kvmrt-gs"
# The guest services' library and the programs built on it (docs/guest-services.md), when built.
GS_LIB=$top/lib/libkvmrt_gs.so.1
GS_EXTRA="$top/build/samples/gs-sample $top/build/bench/gs-bench"
SSHD=/usr/sbin/sshd
SFTP=/usr/lib/openssh/sftp-server
BASH=/usr/bin/bash	# the guide's flows use bash -c '…'; /bin/sh is busybox's ash
TRACE_CMD=/usr/bin/trace-cmd	# trace.dat recordings of real KVM exits (t-vm-tracedat.sh)
TE_PLUGINS=/usr/lib/x86_64-linux-gnu/traceevent/plugins

[ "$(id -u)" = 0 ] || die "run as root (apt-get download, device nodes)"
"$top/scripts/deps.sh" kmod openssh-server openssh-client gcc libc6-dev trace-cmd ||
	die "cannot install the Debian packages the build needs"
# the programs must be whole executables (others may be relinking bin/ right now)
for p in $XT_PROGS; do
	[ -x "$top/bin/$p" ] || die "$top/bin/$p is missing: run 'make all' first"
	for try in 1 2 3 4 5 0; do
		ldd "$top/bin/$p" >/dev/null 2>&1 && break
		[ $try = 0 ] && die "$top/bin/$p is not a dynamic executable (being rebuilt? run 'make all')"
		sleep 1
	done
done

mkdir -p "$VM/debs" "$VM/keys" "$VM/run"
# one build at a time (two test runs may start together)
exec 9> "$VM/.build.lock"
flock 9

# ---------------------------------------------------------------- Debian packages
# fetch PKG: the newest cached PKG_*.deb, downloaded with apt-get download when absent
fetch() {
	local pkg=$1 deb
	deb=$(ls -1 "$VM/debs/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg (apt-get download)"
		(cd "$VM/debs" && apt-get download -q "$pkg" 2>&1 | grep -v "^W: Download is performed unsandboxed" >&2 ||
			true)
		deb=$(ls -1 "$VM/debs/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
		if [ -z "$deb" ]; then
			log "apt-get download failed; refreshing the package lists (apt-get update)"
			apt-get update -q >/dev/null 2>&1 || true
			(cd "$VM/debs" && apt-get download -q "$pkg" >&2) || die "cannot download $pkg"
			deb=$(ls -1 "$VM/debs/${pkg}"_*.deb | sort -V | tail -n 1)
		fi
	fi
	echo "$deb"
}

kpkg=${XT_VM_KERNEL_PKG:-}
if [ -z "$kpkg" ]; then
	kdeb=$(ls -1 "$VM"/debs/linux-image-*-amd64_*.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$kdeb" ]; then
		kpkg=$(basename "$kdeb" | cut -d_ -f1)
	else
		kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
		[ -n "$kpkg" ] || die "cannot tell which kernel package linux-image-amd64 depends on (apt-get update?)"
	fi
fi
kdeb=$(fetch "$kpkg")
bbdeb=$(fetch busybox-static)
kver=${kpkg#linux-image-}

# ---------------------------------------------------------------- kernel and modules
# build/vm/kernel/KVER: vmlinuz, modules (only those needed), modules.dep, load order.
# Extracted once per (package, module list).
kdir=$VM/kernel/$kver
kkey="$(basename "$kdeb") $MODULES vmlinux"
# extract_vmlinux BZIMAGE OUT: the ELF kernel inside a bzImage (xz, zstd or gzip payload)
extract_vmlinux() {
	local magic off tool
	for tool in "xz -dc --single-stream:\xfd7zXZ\x00" "zstd -dcq:\x28\xb5\x2f\xfd" "gzip -dcq:\x1f\x8b\x08"; do
		magic=$(printf "${tool#*:}" | od -An -tx1 | tr -d ' \n')
		off=$(od -An -v -tx1 "$1" | tr -d ' \n' | grep -bo "$magic" | head -n 1 | cut -d: -f1 || true)
		[ -n "$off" ] && [ $((off % 2)) = 0 ] || continue
		tail -c +$((off / 2 + 1)) "$1" | ${tool%%:*} > "$2.tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$2.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$2.tmp" "$2"
			return 0
		fi
	done
	rm -f "$2.tmp"
	return 1
}
if [ ! -f "$kdir/.key" ] || [ "$(cat "$kdir/.key")" != "$kkey" ]; then
	log "extracting $(basename "$kdeb")"
	t0=$(date +%s%N)
	tmp=$VM/kernel/.extract
	rm -rf "$tmp" "$kdir"
	mkdir -p "$tmp" "$kdir"
	dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$tmp" ./boot ./lib/modules
	mdir=$tmp/lib/modules/$kver
	[ -f "$tmp/boot/vmlinuz-$kver" ] && [ -d "$mdir" ] || die "$kdeb has no vmlinuz-$kver or modules"
	depmod -b "$tmp" "$kver" || die "depmod failed"
	# resolve: for each module, its modules.dep dependencies first (they are listed in
	# load order reversed: the last one has no dependencies among them)
	order=()
	add() {	# add PATH: add PATH after its dependencies, once
		local path=$1 dep line
		for o in "${order[@]:+${order[@]}}"; do [ "$o" = "$path" ] && return 0; done
		line=$(grep -m1 "^$path:" "$mdir/modules.dep") || die "$path not in modules.dep"
		local deps=(${line#*:})
		local i
		for ((i = ${#deps[@]} - 1; i >= 0; i--)); do add "${deps[i]}"; done
		order+=("$path")
	}
	for m in $MODULES; do
		if grep -q "/$m\.ko:" "$mdir/modules.builtin" 2>/dev/null ||
			grep -q "/$m\.ko\$" "$mdir/modules.builtin"; then
			continue	# built in
		fi
		path=$(grep -m1 -E "(^|/)$m\.ko(\.[a-z]+)?:" "$mdir/modules.dep" | cut -d: -f1) ||
			die "module $m is not in $kpkg"
		add "$path"
	done
	cp "$tmp/boot/vmlinuz-$kver" "$kdir/vmlinuz"
	# The uncompressed ELF vmlinux boots through its PVH entry: QEMU loads it as is, which
	# saves the guest ~4 s of decompressing the bzImage under TCG. Falls back to vmlinuz.
	extract_vmlinux "$kdir/vmlinuz" "$kdir/vmlinux" ||
		log "could not extract an ELF vmlinux from vmlinuz; the guest boots the bzImage (slower)"
	cp "$tmp/boot/config-$kver" "$kdir/config"
	mkdir -p "$kdir/modules"
	: > "$kdir/modules.order-load"
	for p in "${order[@]}"; do
		mkdir -p "$kdir/modules/$(dirname "$p")"
		cp "$mdir/$p" "$kdir/modules/$p"
		echo "$p" >> "$kdir/modules.order-load"
	done
	for f in modules.dep modules.builtin modules.order modules.alias modules.symbols; do
		[ -f "$mdir/$f" ] && cp "$mdir/$f" "$kdir/modules/$f"
	done
	rm -rf "$tmp"
	echo "$kkey" > "$kdir/.key"
	log "kernel $kver: $(wc -l < "$kdir/modules.order-load") modules to load ($((($(date +%s%N) - t0) / 1000000)) ms)"
fi

# ---------------------------------------------------------------- busybox
bbdir=$VM/busybox
if [ ! -f "$bbdir/.key" ] || [ "$(cat "$bbdir/.key")" != "$(basename "$bbdeb")" ]; then
	rm -rf "$bbdir"
	mkdir -p "$bbdir"
	dpkg-deb --fsys-tarfile "$bbdeb" | tar -x -C "$bbdir" ./bin/busybox
	basename "$bbdeb" > "$bbdir/.key"
fi
BB=$bbdir/bin/busybox

# ---------------------------------------------------------------- kvm-tiny
# (static, by mk/vm.mk's rule; make check builds it, a build-guest.sh alone makes sure)
tiny=$top/build/tests/vm/kvm-tiny
make -s --no-print-directory -C "$top" build/tests/vm/kvm-tiny || die "cannot build kvm-tiny"

# ---------------------------------------------------------------- keys
if [ ! -f "$VM/keys/id_ed25519" ]; then
	ssh-keygen -q -t ed25519 -N '' -C "xtrace-test@host" -f "$VM/keys/id_ed25519"
fi
if [ ! -f "$VM/keys/ssh_host_ed25519_key" ]; then
	ssh-keygen -q -t ed25519 -N '' -C "xtrace-guest" -f "$VM/keys/ssh_host_ed25519_key"
fi
# Every guest has this host key, whatever port it is forwarded to.
echo "[127.0.0.1]:*,[localhost]:*,xtrace-guest $(cut -d' ' -f1,2 "$VM/keys/ssh_host_ed25519_key.pub")" \
	> "$VM/known_hosts.tmp"
mv "$VM/known_hosts.tmp" "$VM/known_hosts"

# ---------------------------------------------------------------- is it up to date?
gs_files=$(for f in $GS_LIB $GS_EXTRA; do [ -f "$f" ] && echo "$f"; done)
dyn_progs="$SSHD $SFTP $BASH $TRACE_CMD $(for p in $XT_PROGS; do echo "$top/bin/$p"; done) $gs_files"
plugins=$(ls "$TE_PLUGINS"/*.so 2>/dev/null || true)
# (the plugins need only libtraceevent and libc, which xtrace's programs bring)
libs=$(for p in $dyn_progs; do ldd "$p" || die "ldd $p failed"; done |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' | sort -u)
inputs=$( {
	echo "kernel $(basename "$kdeb") modules $MODULES"
	echo "busybox $(basename "$bbdeb")"
	for f in "$top/tests/vm/build-guest.sh" "$top/tests/vm/guest-init.sh" $dyn_progs $plugins $libs "$tiny" \
		"$VM/keys/id_ed25519.pub" "$VM/keys/ssh_host_ed25519_key"; do
		echo "$f $(sha256sum < "$f" | cut -d' ' -f1)"
	done
})
hash=$(echo "$inputs" | sha256sum | cut -d' ' -f1)
if [ $force = 0 ] && [ -f "$VM/initrd.img" ] && [ -f "$VM/vmlinuz" ] &&
	[ "$(head -n 1 "$VM/guest.inputs" 2>/dev/null)" = "hash $hash" ]; then
	log "up to date: $VM/initrd.img and the kernel $kver"
	exit 0
fi

# ---------------------------------------------------------------- the initramfs tree
log "building the initramfs"
R=$VM/root
rm -rf "$R"
mkdir -p "$R"/usr/{bin,sbin,lib,lib64} "$R"/{dev,proc,sys,run,tmp,root/.ssh,etc/ssh,etc/xtrace-guest,var/empty} \
	"$R/usr/lib/x86_64-linux-gnu" "$R/usr/lib/openssh" "$R/lib/modules/$kver"
for d in bin sbin lib lib64; do rm -rf "${R:?}/$d"; ln -s "usr/$d" "$R/$d"; done
mkdir -p "$R/lib/modules/$kver"
chmod 700 "$R/root" "$R/root/.ssh"
chmod 1777 "$R/tmp"
mknod -m 600 "$R/dev/console" c 5 1	# the kernel opens it before /init mounts devtmpfs
mknod -m 666 "$R/dev/null" c 1 3

cp "$BB" "$R/usr/bin/busybox"
for a in $("$BB" --list); do
	[ "$a" = busybox ] && continue
	[ -e "$R/usr/bin/$a" ] || ln -s busybox "$R/usr/bin/$a"
done

# programs and their libraries, at the paths the host's loader finds them
copy() {	# copy FILE [DEST]: dereferenced, to the same path in the guest unless DEST
	local dest=$R${2:-$1}
	mkdir -p "$(dirname "$dest")"
	cp -L "$1" "$dest"
}
copy "$SSHD"
copy "$SFTP"
copy "$BASH"
copy "$TRACE_CMD"
for p in $XT_PROGS; do copy "$top/bin/$p" "/usr/bin/$p"; done
for f in $gs_files; do
	case $f in
	*.so.*) copy "$f" "/usr/lib/x86_64-linux-gnu/$(basename "$f")" ;;
	*) copy "$f" "/usr/bin/$(basename "$f")" ;;
	esac
done
copy "$tiny" /usr/bin/kvm-tiny
for l in $libs; do copy "$l"; done
for p in $plugins; do copy "$p"; done

# modules
cp -a "$kdir/modules/." "$R/lib/modules/$kver/"
cp "$kdir/modules.order-load" "$R/etc/xtrace-guest/modules"

# /init and configuration
install -m 755 "$top/tests/vm/guest-init.sh" "$R/init"
cat > "$R/etc/inittab" <<'EOF'
::ctrlaltdel:/bin/reboot -f
::shutdown:/bin/sync
EOF
cat > "$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
sshd:x:100:65534:sshd privilege separation:/run/sshd:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$R/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo 'root:*:19000:0:99999:7:::' > "$R/etc/shadow"
chmod 600 "$R/etc/shadow"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' > "$R/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n10.0.2.2 host\n' > "$R/etc/hosts"
cat > "$R/etc/profile" <<'EOF'
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
EOF
cat > "$R/etc/ssh/sshd_config" <<'EOF'
# xtrace test guest: root with the test's public key only
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile /root/.ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PidFile /run/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
SetEnv PATH=/usr/bin:/usr/sbin:/bin:/sbin
EOF
install -m 600 "$VM/keys/ssh_host_ed25519_key" "$R/etc/ssh/ssh_host_ed25519_key"
install -m 644 "$VM/keys/ssh_host_ed25519_key.pub" "$R/etc/ssh/ssh_host_ed25519_key.pub"
install -m 600 "$VM/keys/id_ed25519.pub" "$R/root/.ssh/authorized_keys"
{
	echo "kernel package: $(basename "$kdeb")"
	echo "busybox: $(basename "$bbdeb")"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$R/etc/xtrace-guest/info"

# ---------------------------------------------------------------- pack
# Uncompressed: QEMU loads it straight into guest memory, and decompressing under TCG is slow.
(cd "$R" && find . | LC_ALL=C sort | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) > "$VM/initrd.img.tmp"
mv "$VM/initrd.img.tmp" "$VM/initrd.img"
cp "$kdir/vmlinuz" "$VM/vmlinuz.tmp" && mv "$VM/vmlinuz.tmp" "$VM/vmlinuz"
rm -f "$VM/vmlinux"
if [ -f "$kdir/vmlinux" ]; then
	cp "$kdir/vmlinux" "$VM/vmlinux.tmp" && mv "$VM/vmlinux.tmp" "$VM/vmlinux"
fi
{ echo "hash $hash"; echo "$inputs"; } > "$VM/guest.inputs"
log "built $VM/$( [ -f "$VM/vmlinux" ] && echo vmlinux || echo vmlinuz) (kernel $kver) and $VM/initrd.img ($(du -h "$VM/initrd.img" | cut -f1))"
