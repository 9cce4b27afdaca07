# bench/lib/bench_lib.sh — shared by the bench/*.sh scripts (sourced after they cd to the repository
# root; not a benchmark itself: scripts/bench.sh runs only bench/*.sh).

# port: prints a loopback TCP port that nothing listens on right now.
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
