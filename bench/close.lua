-- wrk script: asks the server to close after each response, so that every
-- request comes on a new connection (over https, with a new TLS handshake).
wrk.headers["Connection"] = "close"
