/**
 * The signals that stop a mailroute process in order: SIGTERM (Kubernetes, systemd), SIGINT (Ctrl+C),
 * SIGHUP (the terminal closed). One list for a serving process and a process cluster's primary.
 */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
