# The first process of an emulated machine (docs/simulation.md), run by sandbox-machine.ts as
#   unshare --user --map-root-user --mount --net --pid --uts --ipc --fork -- bash sandbox-init.sh …
# It is root only inside its own user namespace. It builds the machine's root from the machine
# directory (plain directories for /var, /root, …, a copy-on-write overlay of the host's /usr and one
# of /etc over the few host entries programs need, whose writes land in the machine directory), brings up loopback in its own network namespace
# (the only network it has), pivots into that root, and then waits: it is PID 1 of the machine, and
# when the emulator goes away (its stdin closes) every process of the machine goes with it.
#
# Arguments: machine dir, overlay lower dirs of /usr (colon-separated, topmost first), the lower
# dir of /etc (the host entries every machine shares; the image's files are in the upper), hostname,
# host directories to show read-only at the same path (comma-separated, or "-": the emulator's
# Node.js when it is not under /usr, an instance's metadata items), private addresses for loopback
# (comma-separated, or "-"), programs the image lacks.
set -eu
machine="$1"
lowers="$2"
etc_lower="$3"
host_name="$4"
ro_dirs="$5"
private_ips="$6"
shift 6
root="$machine/rootfs"

# The machine directory comes prepared (sandbox-machine.ts layDown): the mount points, the empty
# files the devices are bound onto, /dev's symlinks, the /bin, /lib … links of a merged-/usr host.
# Few processes on purpose: every machine boots through here.
mount --bind "$root" "$root"
mount -t overlay overlay -o "lowerdir=$lowers,upperdir=$machine/usr-upper,workdir=$machine/usr-work" "$root/usr"
mount -t overlay overlay -o "lowerdir=$etc_lower,upperdir=$machine/etc-upper,workdir=$machine/etc-work" "$root/etc"
for d in bin sbin lib lib32 lib64 libx32; do
  # A host without merged /usr: its /bin … shown read-only.
  if [ -d "/$d" ] && [ ! -L "/$d" ]; then
    mount --bind "/$d" "$root/$d"
    mount -o remount,bind,ro "$root/$d"
  fi
done
mount -t proc proc "$root/proc"
for n in null zero full random urandom tty; do mount --bind "/dev/$n" "$root/dev/$n"; done
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
if [ "$ro_dirs" != - ]; then
  for d in ${ro_dirs//,/ }; do
    mount --bind "$d" "$root$d"
    mount -o remount,bind,ro "$root$d"
  done
fi
ip link set lo up
if [ "$private_ips" != - ]; then
  for a in ${private_ips//,/ }; do ip addr add "$a/32" dev lo; done
fi
echo "$host_name" >/proc/sys/kernel/hostname

cd "$root"
pivot_root . .old-root
cd /
umount -l /.old-root
[ $# -eq 0 ] || rm -f "${@/#//usr/bin/}" "${@/#//usr/sbin/}" "${@/#//usr/local/bin/}" "${@/#//usr/local/sbin/}"

echo ready
exec /bin/bash -c 'while read -r _; do :; done'
