# Simulated package installs (yum, dnf, apt-get): nothing is downloaded; the package is recorded in
# /var/lib/acp-sim/packages and, for the packages that have a behaviour here, the files and the
# service they ship are laid down (nginx: its config, docroot and unit; docker: the docker command).
# shellcheck source=/dev/null
. /usr/libexec/acp-sim/units.sh

ACP_SIM_PACKAGES="$ACP_SIM_STATE/packages"

acp_pkg_installed() { grep -qx "$1" "$ACP_SIM_PACKAGES" 2>/dev/null; }

acp_pkg_version() {
  case "$1" in
  nginx | nginx-core | nginx-full | nginx-light) printf '%s' "${ACP_IMAGE_NGINX_VERSION%% *}" ;;
  *) printf '0-simulated' ;;
  esac
}

acp_pkg_nginx() {
  mkdir -p /etc/nginx/conf.d /etc/nginx/default.d /var/log/nginx /var/lib/nginx "$ACP_IMAGE_NGINX_DOCROOT"
  [ -f /etc/nginx/mime.types ] || printf 'types {\n    text/html html htm;\n    text/css css;\n    application/javascript js;\n}\n' >/etc/nginx/mime.types
  if [ "$ACP_IMAGE_NGINX_SITES" = 1 ]; then
    mkdir -p /etc/nginx/sites-available /etc/nginx/sites-enabled
    [ -f /etc/nginx/nginx.conf ] || cat >/etc/nginx/nginx.conf <<'EOF'
user www-data;
worker_processes auto;
pid /run/nginx.pid;
events {
    worker_connections 768;
}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    error_log /var/log/nginx/error.log;
    include /etc/nginx/conf.d/*.conf;
    include /etc/nginx/sites-enabled/*;
}
EOF
    [ -f /etc/nginx/sites-available/default ] || cat >/etc/nginx/sites-available/default <<EOF
server {
    listen 80 default_server;
    listen [::]:80 default_server;
    root $ACP_IMAGE_NGINX_DOCROOT;
    index index.html index.htm $ACP_IMAGE_NGINX_INDEX;
    server_name _;
    location / {
        try_files \$uri \$uri/ =404;
    }
}
EOF
    ln -sfn /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default
  else
    [ -f /etc/nginx/nginx.conf ] || cat >/etc/nginx/nginx.conf <<EOF
user nginx;
worker_processes auto;
error_log /var/log/nginx/error.log;
pid /run/nginx.pid;
events {
    worker_connections 1024;
}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    include /etc/nginx/conf.d/*.conf;
    server {
        listen 80;
        listen [::]:80;
        server_name _;
        root $ACP_IMAGE_NGINX_DOCROOT;
        include /etc/nginx/default.d/*.conf;
        error_page 404 /404.html;
    }
}
EOF
  fi
  [ -f "$ACP_IMAGE_NGINX_DOCROOT/$ACP_IMAGE_NGINX_INDEX" ] || cat >"$ACP_IMAGE_NGINX_DOCROOT/$ACP_IMAGE_NGINX_INDEX" <<'EOF'
<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>
<p><em>Thank you for using nginx.</em></p>
</body>
</html>
EOF
  install -m 0755 "$ACP_SIM_DIR/nginx" /usr/sbin/nginx
  acp_unit_install nginx.service "[Unit]
Description=The nginx HTTP and reverse proxy server
After=network-online.target

[Service]
Type=forking
PIDFile=/run/nginx.pid
ExecStartPre=/usr/sbin/nginx -t
ExecStart=/usr/sbin/nginx
ExecReload=/usr/sbin/nginx -s reload

[Install]
WantedBy=multi-user.target"
}

acp_pkg_docker() {
  install -m 0755 "$ACP_SIM_DIR/docker" /usr/bin/docker
  acp_unit_install docker.service "[Unit]
Description=Docker Application Container Engine

[Service]
Type=notify

[Install]
WantedBy=multi-user.target"
}

# Lays down one package. Debian's packages start their service on install (on a machine with
# systemd); RPM packages never do.
acp_pkg_install() {
  local name="$1"
  mkdir -p "$ACP_SIM_STATE"
  case "$name" in
  nginx | nginx-core | nginx-full | nginx-light)
    acp_pkg_nginx
    [ "$ACP_IMAGE_PM" = apt ] && [ "$(acp_sim_kind)" = vm ] && acp_unit_start nginx >/dev/null 2>&1
    ;;
  docker | docker-ce | docker.io | moby-engine | podman-docker)
    acp_pkg_docker
    [ "$ACP_IMAGE_PM" = apt ] && [ "$(acp_sim_kind)" = vm ] && acp_unit_start docker >/dev/null 2>&1
    ;;
  esac
  acp_pkg_installed "$name" || printf '%s\n' "$name" >>"$ACP_SIM_PACKAGES"
  acp_sim_record "package install $name"
}

# Hosts of the repositories the package manager is configured with (yum.repos.d or sources.list).
acp_pkg_repo_hosts() {
  local u
  if [ "$ACP_IMAGE_PM" = yum ]; then
    for u in $(sed -n 's/^[[:space:]]*\(baseurl\|mirrorlist\|metalink\)[[:space:]]*=[[:space:]]*//p' /etc/yum.repos.d/*.repo 2>/dev/null); do
      acp_sim_host "$u"
      echo
    done
  else
    for u in $(sed -n 's/^[[:space:]]*deb\(-src\)\?[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\3/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null); do
      acp_sim_host "$u"
      echo
    done
  fi | sort -u
}

# The first configured repository host that cannot be reached (no public address), if any.
acp_pkg_unreachable_repo() {
  local h
  for h in $(acp_pkg_repo_hosts); do
    if ! acp_sim_reachable "$h"; then
      printf '%s' "$h"
      return 0
    fi
  done
  return 1
}
