#!/usr/bin/env python3
"""benchmarks/e2e's sequential HTTP client: one kept-alive connection, one request at a time (no process per request).

  client.py seed <base url> <cookie name> <users> <cookies out>  -> one session per user; fails unless every answer is a
                                                                    200 that sets the cookie
  client.py get <base url> <cookie name> <cookies file> <path> <n> -> GET path once for each of the first n users
  client.py stored <base url> <cookie name> <cookies file>        -> "<cookie> <views>" per user, from GET /get-session
"""
import http.client
import sys
import urllib.parse


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    def get(self, path, cookie_name=None, cookie=None):
        headers = {} if cookie is None else {"Cookie": f"{cookie_name}={cookie}"}
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response.msg.get_all("Set-Cookie") or [], body


def read_cookies(path, n=None):
    cookies = [line.strip() for line in open(path) if line.strip()]
    return cookies if n is None else cookies[:n]


def seed(base, cookie_name, users, out):
    client, cookies = Client(base), []
    for user in range(1, int(users) + 1):
        status, set_cookies, body = client.get(f"/set-session?key=name&value=user{user}")
        values = [c.split(";", 1)[0].split("=", 1)[1] for c in set_cookies if c.startswith(cookie_name + "=")]
        if status != 200 or not values:
            sys.exit(f"seeding user {user}: HTTP {status}, cookies {set_cookies}: {body[:300]}")
        cookies.append(values[0])
    with open(out, "w") as f:
        f.write("".join(c + "\n" for c in cookies))


def get(base, cookie_name, cookies_file, path, n):
    client = Client(base)
    for cookie in read_cookies(cookies_file, int(n)):
        client.get(path, cookie_name, cookie)


def stored(base, cookie_name, cookies_file):
    client = Client(base)
    for cookie in read_cookies(cookies_file):
        _, _, body = client.get("/get-session", cookie_name, cookie)
        views = [line[len("views="):] for line in body.splitlines() if line.startswith("views=")]
        print(cookie, views[0] if views else "")


if __name__ == "__main__":
    {"seed": seed, "get": get, "stored": stored}[sys.argv[1]](*sys.argv[2:])
