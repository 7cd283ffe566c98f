# Sourced by bench/record.sh and bench/fidelity.sh: when a recorder started in the background
# is recording, so that the flood that follows is recorded from its first packet.

# wait_rec LOG TEXT: skbtrail-record's line with TEXT in LOG ("recording to", or in flight mode
# "flight recorder: keeping"), printed once tracing is on (its instance's tracing_on alone is
# not enough: a new instance starts with tracing on).
wait_rec() {
	local i
	for i in $(seq 1 300); do
		grep -qF "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_tc INSTANCE_DIR: trace-cmd's instance tracing with netif_receive_skb (every bench set's)
# enabled: trace-cmd turns the new instance's tracing off, enables the events, then turns it on.
wait_tc() {
	local i
	for i in $(seq 1 300); do
		[ "$(cat "$1/events/net/netif_receive_skb/enable" 2>/dev/null)" = 1 ] &&
			[ "$(cat "$1/tracing_on" 2>/dev/null)" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}
