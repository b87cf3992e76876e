# Services in the sandbox (systemctl, service): a unit is a file in /etc/systemd/system or
# /usr/lib/systemd/system with an ExecStart line; starting it runs that command as a daemon in its
# own session, so it outlives the Cloud Assistant command that started it, as under systemd.
# shellcheck source=/dev/null
. /usr/libexec/acp-sim/lib.sh

ACP_SIM_UNITS=/run/acp-sim/units

acp_unit_name() {
  case "$1" in
  *.service | *.socket | *.timer | *.target) printf '%s' "$1" ;;
  *) printf '%s.service' "$1" ;;
  esac
}

acp_unit_file() {
  local d
  for d in /etc/systemd/system /run/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
    if [ -f "$d/$1" ]; then
      printf '%s' "$d/$1"
      return 0
    fi
  done
  return 1
}

# The value of a [Service] key (first occurrence), without systemd's - @ + ! prefixes.
acp_unit_key() {
  sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | head -n 1 | sed 's/^[-@+!:]*//'
}

acp_unit_pid() {
  local pid
  pid="$(cat "$ACP_SIM_UNITS/$1.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

acp_unit_active() { acp_unit_pid "$1" >/dev/null; }

acp_unit_start() {
  local unit file exec type dir pid
  unit="$(acp_unit_name "$1")"
  if ! file="$(acp_unit_file "$unit")"; then
    echo "Failed to start $unit: Unit $unit not found." >&2
    return 5
  fi
  acp_unit_active "$unit" && return 0
  exec="$(acp_unit_key "$file" ExecStart)"
  type="$(acp_unit_key "$file" Type)"
  dir="$(acp_unit_key "$file" WorkingDirectory)"
  mkdir -p "$ACP_SIM_UNITS" /var/log/acp-sim
  if [ -z "$exec" ]; then
    # A unit without a command of its own (docker's daemon): active once started.
    sleep infinity </dev/null >/dev/null 2>&1 &
    echo $! >"$ACP_SIM_UNITS/$unit.pid"
    acp_sim_record "service start $unit"
    return 0
  fi
  if [ "$type" = forking ]; then
    # The command daemonises itself and exits; its status is the start's status.
    if ! (cd "${dir:-/}" && eval "$exec") </dev/null >>"/var/log/acp-sim/$unit.log" 2>&1; then
      echo "Job for $unit failed because the control process exited with error code." >&2
      echo "See \"systemctl status $unit\" and \"journalctl -xeu $unit\" for details." >&2
      return 1
    fi
    pid="$(cat "$(acp_unit_key "$file" PIDFile)" 2>/dev/null)"
    echo "${pid:-}" >"$ACP_SIM_UNITS/$unit.pid"
  else
    (cd "${dir:-/}" && exec setsid bash -c "exec $exec") </dev/null >>"/var/log/acp-sim/$unit.log" 2>&1 &
    pid=$!
    echo "$pid" >"$ACP_SIM_UNITS/$unit.pid"
    sleep 0.2
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "Job for $unit failed because the control process exited with error code." >&2
      return 1
    fi
  fi
  acp_sim_record "service start $unit"
  return 0
}

acp_unit_stop() {
  local unit pid
  unit="$(acp_unit_name "$1")"
  if pid="$(acp_unit_pid "$unit")"; then
    kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    acp_sim_record "service stop $unit"
  fi
  rm -f "$ACP_SIM_UNITS/$unit.pid"
  return 0
}

# Writes a unit file a package ships (e.g. nginx.service) unless the image already has one.
acp_unit_install() {
  local unit="$1" body="$2"
  mkdir -p /usr/lib/systemd/system
  [ -f "/usr/lib/systemd/system/$unit" ] || printf '%s\n' "$body" >"/usr/lib/systemd/system/$unit"
}
