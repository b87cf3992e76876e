# Shared by acp's simulated commands inside an emulator sandbox (docs/simulation.md).
# The emulator writes /run/acp-sim/network (egress=0|1, speed=N, kind=vm|container, public_ip=…)
# and /etc/acp-sim/image.env (os, package manager, nginx layout) when it makes the machine.

ACP_SIM_STATE=/var/lib/acp-sim
ACP_SIM_LOG=/var/log/acp-sim.log
ACP_SIM_DIR=/usr/libexec/acp-sim
# shellcheck source=/dev/null
[ -r /etc/acp-sim/image.env ] && . /etc/acp-sim/image.env

# Appends one line to the machine's record of what was simulated (installs, service starts, fetches).
acp_sim_record() {
  mkdir -p "${ACP_SIM_LOG%/*}" 2>/dev/null
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$ACP_SIM_LOG"
}

acp_sim_net() { sed -n "s/^$1=//p" /run/acp-sim/network 2>/dev/null | head -n 1; }
acp_sim_egress() { [ "$(acp_sim_net egress)" = 1 ]; }
acp_sim_kind() { local k; k="$(acp_sim_net kind)"; printf '%s' "${k:-vm}"; }

# The host of a URL (scheme://user@host:port/path) or of host[:port].
acp_sim_host() {
  local u="$1"
  u="${u#*://}"
  u="${u#*@}"
  u="${u%%/*}"
  u="${u%%\?*}"
  u="${u%%#*}"
  case "$u" in
  \[*) u="${u#[}" && u="${u%%]*}" ;;
  *) u="${u%%:*}" ;;
  esac
  printf '%s' "${u,,}"
}

# Where a host is, seen from the instance: local (this machine: real tools answer), vpc (reachable
# over Alibaba's internal network without a public address: the package mirrors, internal endpoints,
# the metadata server) or internet (needs a public address or a NAT gateway).
acp_sim_where() {
  case "$1" in
  localhost | localhost.localdomain | 127.* | 0.0.0.0 | ::1 | "$(hostname 2>/dev/null)") echo local ;;
  10.* | 192.168.* | 172.1[6-9].* | 172.2[0-9].* | 172.3[01].*) echo local ;;
  *.cloud.aliyuncs.com | *-internal.aliyuncs.com | *-vpc.*.aliyuncs.com | *.vpc.aliyuncs.com | 100.100.*) echo vpc ;;
  *) echo internet ;;
  esac
}

acp_sim_reachable() {
  case "$(acp_sim_where "$1")" in
  local | vpc) return 0 ;;
  *) acp_sim_egress ;;
  esac
}

# A connection to the internet without a public address is dropped, not refused: the client waits
# for its connect timeout (Linux gives up after about 127 s). Slept on the emulated clock.
acp_sim_wait_timeout() {
  local seconds="${1:-127}" speed
  speed="$(acp_sim_net speed)"
  sleep "$(awk -v t="$seconds" -v s="${speed:-60}" 'BEGIN { w = t / s; if (w > 5) w = 5; printf "%.3f", w }')"
}

# The placeholder body of a simulated download: still usable by what commonly follows (a shell
# script piped to bash is a comment, a tarball is an empty archive, JSON is an empty object).
acp_sim_body() {
  local url="$1" target="$2"
  acp_sim_record "fetch $url"
  case "${url%%\?*}" in
  *.tar.gz | *.tgz) tar -czf "$target" -T /dev/null ;;
  *.tar) tar -cf "$target" -T /dev/null ;;
  *.json) printf '{}\n' >"$target" ;;
  *) printf '# acp --simulate: the body of %s (the simulation does not download from the internet)\n' "$url" >"$target" ;;
  esac
}
