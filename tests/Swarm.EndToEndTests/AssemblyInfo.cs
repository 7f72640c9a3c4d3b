// Each test here starts a whole cluster (PostgreSQL and RabbitMQ shared, six or more processes of its own) and
// asserts properties with time in them: heartbeat windows, failover, a restarted agent registering before its node
// is declared down. Two such clusters started side by side on a two-core machine missed those windows (a node
// declared down, a command unanswered for 10 s), so the classes run one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
