# The simulated nginx (docs/simulation.md): reads /etc/nginx/nginx.conf and what it includes, finds
# each server block's listen ports, root and index, and serves those files over plain HTTP with
# nginx's Server header and error pages. `check` validates like `nginx -t`; `serve PIDFILE` listens
# on every port, writes the pid file once all are bound, and serves until SIGTERM.
import glob
import http.server
import os
import re
import signal
import sys
import threading

CONF = '/etc/nginx/nginx.conf'


def image_env():
    env = {}
    try:
        with open('/etc/acp-sim/image.env') as f:
            for line in f:
                if '=' in line:
                    k, v = line.strip().split('=', 1)
                    env[k] = v.strip('"\'')
    except OSError:
        pass
    return env


IMAGE = image_env()
VERSION = IMAGE.get('ACP_IMAGE_NGINX_VERSION', '1.20.1')
DEFAULT_ROOT = IMAGE.get('ACP_IMAGE_NGINX_DOCROOT', '/usr/share/nginx/html')


class ConfigError(Exception):
    pass


def read_conf(path, depth=0):
    if depth > 10:
        raise ConfigError('too many nested includes')
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise ConfigError('open() "%s" failed (%d: %s)' % (path, e.errno or 2, e.strerror))
    text = re.sub(r'#[^\n]*', '', text)

    def include(m):
        pattern = m.group(1).strip('"\'')
        if not pattern.startswith('/'):
            pattern = os.path.join('/etc/nginx', pattern)
        files = sorted(glob.glob(pattern))
        if not files and not glob.has_magic(pattern):
            raise ConfigError('open() "%s" failed (2: No such file or directory)' % pattern)
        return '\n'.join(read_conf(p, depth + 1) for p in files if os.path.isfile(p))

    return re.sub(r'\binclude\s+([^;]+);', include, text)


def blocks(text, name):
    """Bodies of `name { … }` blocks at any depth, with balanced braces."""
    out = []
    for m in re.finditer(r'\b%s\s*\{' % name, text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {'{': 1, '}': -1}.get(text[i], 0)
            i += 1
        if depth:
            raise ConfigError('unexpected end of file, expecting "}"')
        out.append(text[m.end():i - 1])
    return out


def servers():
    text = read_conf(CONF)
    if text.count('{') != text.count('}'):
        raise ConfigError('unexpected "}" or end of file in %s' % CONF)
    found = []
    for body in blocks(text, 'server'):
        top = re.sub(r'\blocation\b[^{]*\{[^{}]*\}', '', body)
        ports = []
        for value in re.findall(r'\blisten\s+([^;]+);', top):
            words = value.split()
            address = words[0]
            if address.startswith('['):
                continue  # the IPv6 twin of an IPv4 listen
            port = address.rsplit(':', 1)[-1]
            if not port.isdigit():
                raise ConfigError('invalid port in "%s" of the "listen" directive' % address)
            ports.append((int(port), 'ssl' in words[1:]))
        if not ports:
            ports = [(80, False)]
        root = re.search(r'\broot\s+([^;]+);', top) or re.search(r'\broot\s+([^;]+);', body)
        index = re.search(r'\bindex\s+([^;]+);', top)
        found.append({
            'ports': ports,
            'root': root.group(1).strip().strip('"\'') if root else DEFAULT_ROOT,
            'index': index.group(1).split() if index else ['index.html'],
        })
    return found


def page(code, reason):
    return ('<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n'
            '<hr><center>nginx/%s</center>\r\n</body>\r\n</html>\r\n' % (code, reason, code, reason, VERSION.split()[0]))


def handler_for(server):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def version_string(self):
            return 'nginx/' + VERSION.split()[0]

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=server['root'], **kw)

        def send_head(self):
            path = self.translate_path(self.path)
            if os.path.isdir(path):
                for name in server['index']:
                    if os.path.isfile(os.path.join(path, name)):
                        self.path = self.path.split('?', 1)[0].rstrip('/') + '/' + name
                        return super().send_head()
                self.send_error(403)
                return None
            return super().send_head()

        def send_error(self, code, message=None, explain=None):
            reason = {403: 'Forbidden', 404: 'Not Found', 405: 'Not Allowed'}.get(code, 'Error')
            body = page(code, reason).encode()
            self.send_response(code, reason)
            self.send_header('Content-Type', 'text/html')
            self.send_header('Content-Length', str(len(body)))
            self.send_header('Connection', 'close')
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(body)

        def log_message(self, fmt, *args):
            with open('/var/log/nginx/access.log', 'a') as f:
                f.write('%s - - [%s] %s\n' % (self.client_address[0], self.log_date_time_string(), fmt % args))

    return Handler


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else 'check'
    try:
        found = servers()
    except ConfigError as e:
        sys.stderr.write('nginx: [emerg] %s\n' % e)
        sys.stderr.write('nginx: configuration file %s test failed\n' % CONF)
        sys.exit(1)
    if mode == 'check':
        sys.stderr.write('nginx: the configuration file %s syntax is ok\n' % CONF)
        sys.stderr.write('nginx: configuration file %s test is successful\n' % CONF)
        return
    by_port = {}
    for s in found:
        for port, ssl in s['ports']:
            if ssl:
                sys.stderr.write('nginx: [warn] port %d: TLS is not simulated, served as plain HTTP\n' % port)
            by_port.setdefault(port, s)
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    listening = []
    for port, s in sorted(by_port.items()):
        try:
            listening.append(http.server.ThreadingHTTPServer(('0.0.0.0', port), handler_for(s)))
        except OSError as e:
            sys.stderr.write('nginx: [emerg] bind() to 0.0.0.0:%d failed (%d: %s)\n' % (port, e.errno, e.strerror))
            sys.exit(1)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    for srv in listening:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(sys.argv[2], 'w') as f:
        f.write('%d\n' % os.getpid())
    threading.Event().wait()


main()
