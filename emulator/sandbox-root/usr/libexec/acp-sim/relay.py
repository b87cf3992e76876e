# The only way into a sandbox's network namespace (docs/simulation.md): the emulator connects to
# this Unix socket for each visitor of a public address, writes the port and a newline, and the
# relay connects to 127.0.0.1:PORT inside the sandbox and copies bytes both ways. Nothing leaves.
import os
import socket
import sys
import threading


def pump(src, dst, done):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    done.release()


def serve(client):
    header = b''
    while not header.endswith(b'\n') and len(header) < 16:
        ch = client.recv(1)
        if not ch:
            client.close()
            return
        header += ch
    try:
        target = socket.create_connection(('127.0.0.1', int(header)))
    except (OSError, ValueError):
        client.close()
        return
    client.sendall(b'+')
    done = threading.Semaphore(0)
    threading.Thread(target=pump, args=(client, target, done), daemon=True).start()
    threading.Thread(target=pump, args=(target, client, done), daemon=True).start()
    done.acquire()
    done.acquire()
    client.close()
    target.close()


def main():
    path = sys.argv[1]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + '.tmp')
    os.rename(path + '.tmp', path)
    srv.listen(128)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


main()
