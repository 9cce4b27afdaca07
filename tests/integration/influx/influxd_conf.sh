# influx/influxd_conf.sh DIR HTTP_PORT RPC_PORT — prints an influxd 1.x config for a throwaway
# server: loopback only, data under DIR, no usage reporting, no self-monitoring, no continuous
# queries. Used by tests/integration/stream_influx.sh and bench/influx_sink.sh.
dir=$1 http=$2 rpc=$3
cat <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$http"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
CONF
