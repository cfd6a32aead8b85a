/**
 * Zeek's default session timers (scripts/base/init-bare.zeek), in seconds. The tracker runs them
 * on packet time so a capture's connections end where Zeek's would.
 */

/** `tcp_attempt_delay`: an unanswered SYN is given up after this long. */
export const TCP_ATTEMPT_DELAY = 5;
/** `tcp_close_delay`: a closed (FIN exchange or RST) connection lingers this long. */
export const TCP_CLOSE_DELAY = 5;
/** `tcp_SYN_timeout`: first expiry check after a connection appears. */
export const TCP_SYN_TIMEOUT = 5;
/** `tcp_session_timer`: interval of later expiry checks. */
export const TCP_SESSION_TIMER = 6;
/** `tcp_connection_linger`: a half-closed connection idle this long is expired. */
export const TCP_CONNECTION_LINGER = 5;
/** `tcp_inactivity_timeout`: an established TCP connection idle this long is expired. */
export const TCP_INACTIVITY_TIMEOUT = 300;
/** `udp_inactivity_timeout` (also a TCP connection's until its handshake completes). */
export const UDP_INACTIVITY_TIMEOUT = 60;
/** `icmp_inactivity_timeout`. */
export const ICMP_INACTIVITY_TIMEOUT = 60;
/** `tcp_max_initial_window`: unacknowledged bytes after which buffered data is let go. */
export const TCP_MAX_INITIAL_WINDOW = 16384;
/** `tcp_max_above_hole_without_any_acks`. */
export const TCP_MAX_ABOVE_HOLE_WITHOUT_ANY_ACKS = 16384;
/** `tcp_excessive_data_without_further_acks`. */
export const TCP_EXCESSIVE_DATA_WITHOUT_FURTHER_ACKS = 10 * 1024 * 1024;
