using Swarm.Contracts.Model;

namespace Swarm.Ctl.Cli;

/// <summary>Every command of swarmctl, with its help and flags.</summary>
public static class Commands
{
    private static readonly FlagSpec Format = new("format", null, "FORMAT", "Output format: json, or table (default)");
    private static readonly FlagSpec Quiet = new("quiet", "q", null, "Only print ids");
    private static readonly FlagSpec NoTrunc = new("no-trunc", null, null, "Do not shorten ids and errors");
    private static readonly FlagSpec Detach = new("detach", "d", null, "Return at once (default); --detach=false waits like --wait");
    private static readonly FlagSpec Wait = new("wait", null, null, "Wait until every replica runs, showing progress on stderr");
    private static readonly FlagSpec WaitTimeout = new("timeout", null, "DURATION", "How long --wait waits (default 2m)");

    private static readonly FlagSpec[] RestartFlags =
    [
        new("restart-condition", null, "COND", "Restart when a task ends: none, on-failure or any (default any)"),
        new("restart-delay", null, "DURATION", "Delay before a task is restarted (default 5s)"),
        new("restart-max-attempts", null, "N", "Restarts tried before giving up, 0 = unlimited"),
        new("restart-window", null, "DURATION", "Window in which restarts are counted (default: all of them)"),
    ];

    private static readonly FlagSpec StopGrace = new("stop-grace-period", null, "DURATION", "Time between SIGTERM and SIGKILL when a task is stopped (default 10s)");

    private static readonly FlagSpec Follow = new("follow", "f", null, "Keep streaming new lines until interrupted (Ctrl-C)");
    private static readonly FlagSpec Tail = new("tail", "n", "N", "Only the last N lines of each task (default all)");

    public static readonly IReadOnlyList<string> Modes = ["replicated", "global", "replicated-job", "global-job"];

    public static readonly IReadOnlyList<CommandGroup> Groups =
    [
        new("node", "Manage the cluster's nodes",
        [
            new("node", "ls", "List nodes", "swarmctl node ls [OPTIONS]",
                [Format, Quiet],
                ["swarmctl node ls", "swarmctl node ls --format json"],
                0, 0,
                a => new NodeList(a.Format(), a.Switch("quiet")),
                Aliases: ["list"]),
            new("node", "inspect", "Show a node in detail", "swarmctl node inspect [OPTIONS] NODE [NODE...]",
                [Format],
                ["swarmctl node inspect worker-1", "swarmctl node inspect 3f2a --format json"],
                1, int.MaxValue,
                a => new NodeInspect(a.Positionals.ToList(), a.Format()),
                Description: "NODE is a hostname, a node id or a unique prefix of one. With --format json one node prints as an object, several as an array."),
            new("node", "update", "Change a node's availability or labels", "swarmctl node update [OPTIONS] NODE",
                [
                    new("availability", null, "AVAILABILITY", "active, pause (no new tasks) or drain (move its tasks away)"),
                    new("label-add", null, "KEY=VALUE", "Add or change an operator label", Repeatable: true),
                    new("label-rm", null, "KEY", "Remove an operator label", Repeatable: true),
                ],
                ["swarmctl node update --availability drain worker-2", "swarmctl node update worker-1 --label-add zone=a --label-rm old"],
                1, 1,
                BuildNodeUpdate),
            new("node", "drain", "Move a node's tasks to other nodes and place nothing new on it", "swarmctl node drain NODE",
                [],
                ["swarmctl node drain worker-2"],
                1, 1,
                a => new NodeUpdate(a.Positionals[0], NodeAvailability.Drain, new Dictionary<string, string>(), []),
                Description: "Same as 'swarmctl node update --availability drain NODE'. Services with update order start-first start each replacement before stopping the task it replaces. Prints the node's id."),
            new("node", "pause", "Place no new tasks on a node; its running tasks stay", "swarmctl node pause NODE",
                [],
                ["swarmctl node pause worker-2"],
                1, 1,
                a => new NodeUpdate(a.Positionals[0], NodeAvailability.Pause, new Dictionary<string, string>(), []),
                Description: "Same as 'swarmctl node update --availability pause NODE'. Prints the node's id."),
            new("node", "activate", "Let a paused or drained node take tasks again", "swarmctl node activate NODE",
                [],
                ["swarmctl node activate worker-2"],
                1, 1,
                a => new NodeUpdate(a.Positionals[0], NodeAvailability.Active, new Dictionary<string, string>(), []),
                Description: "Same as 'swarmctl node update --availability active NODE'. Tasks already moved away stay where they are. Prints the node's id."),
            new("node", "rm", "Remove one or more nodes from the cluster and revoke their certificates", "swarmctl node rm [OPTIONS] NODE [NODE...]",
                [new("force", "f", null, "Remove a node even if it is ready (its agent is cut off and its tasks move elsewhere)")],
                ["swarmctl node rm worker-3", "swarmctl node rm --force worker-2"],
                1, int.MaxValue,
                a => new NodeRemove(a.Positionals.ToList(), a.Switch("force")),
                Aliases: ["remove"],
                Description: "A removed node leaves 'node ls', its certificate is revoked (its connections are closed and refused from then on) and its tasks are placed elsewhere. " +
                    "A node that is ready is refused unless --force: drain it first, or stop its agent. To come back, a node joins again with a join token. Prints each node removed."),
        ]),
        new("service", "Manage services",
        [
            new("service", "create", "Create a service", "swarmctl service create [OPTIONS] --name NAME [--] COMMAND [ARG...]",
                [
                    new("name", null, "NAME", "Service name (required)"),
                    new("mode", null, "MODE", "replicated (default), global (one task per node), replicated-job or global-job (tasks run to completion)"),
                    new("replicas", null, "N", "Number of tasks of a replicated service (default 1)"),
                    new("total-completions", null, "N", "replicated-job: tasks that must complete (default 1)"),
                    new("max-concurrent", null, "N", "replicated-job: tasks running at once (default 1)"),
                    new("image", null, "IMAGE", "Container image (the process and sim executors ignore it)"),
                    new("env", "e", "KEY=VALUE", "Set an environment variable", Repeatable: true),
                    new("workdir", "w", "DIR", "Working directory of the command"),
                    new("label", "l", "KEY=VALUE", "Service label", Repeatable: true),
                    .. RestartFlags,
                    StopGrace,
                    .. PlacementOptions.Flags,
                    .. NetworkOptions.CreateFlags,
                    .. SecretOptions.CreateFlags,
                    .. UpdateConfigOptions.Flags,
                    Detach, Wait, WaitTimeout,
                ],
                [
                    "swarmctl service create --name web --replicas 3 -- python3 -m http.server 8000",
                    "swarmctl service create --name api --constraint node.labels.zone==east --placement-pref spread=node.labels.rack --reserve-cpu 0.5 --reserve-memory 256M -- ./api",
                    "swarmctl service create --name sleeper --restart-condition on-failure sleep 3600",
                    "swarmctl service create --name web --replicas 6 --wait -- sleep infinity",
                    "swarmctl service create --name agent --mode global -- ./agent",
                    "swarmctl service create --name batch --mode replicated-job --total-completions 10 --max-concurrent 3 -- sh -c 'sleep 2'",
                    "swarmctl service create --name web --replicas 6 --update-parallelism 2 --update-delay 1s --update-failure-action rollback --update-order start-first -- ./web",
                    "swarmctl service create --name web --image nginx --network frontend --publish 8080:80 -- nginx -g 'daemon off;'",
                    "swarmctl service create --name api --network name=backend,alias=api-v1,alias=api --endpoint-mode dnsrr --publish published=9000,target=9000,protocol=udp,mode=host -- ./api",
                    "swarmctl service create --name db --secret db-password --secret source=tls-key,target=server.key,uid=999,gid=999,mode=0400 --config source=pg-conf,target=/etc/postgresql/postgresql.conf -- postgres",
                ],
                0, int.MaxValue,
                BuildServiceCreate,
                CommandAfter: 0,
                Description: "Prints the new service's id. Everything after '--' (or after the first argument that is not a flag) is the command and its arguments.\n" +
                    "A global service runs one task on every node that satisfies its constraints and takes no --replicas. " +
                    "A replicated-job runs until --total-completions tasks completed, --max-concurrent at a time; a global-job runs one completing task per node.\n" +
                    "--network attaches the tasks to a network made with 'network create' (each task gets an address there and answers to the service name and the aliases); " +
                    "in endpoint mode vip the service also gets a virtual IP on each network. --publish short form PUBLISHED:TARGET[/PROTOCOL] (8080:80, 8080:80/udp, or just TARGET to get a port from 30000-32767), " +
                    "long form published=P,target=T,protocol=tcp|udp,mode=ingress|host. An ingress port is served on every node running a task of the service and attaches it to the 'ingress' network; a host port binds on the task's node only.\n" +
                    "--secret gives each task a secret made with 'secret create' as the file /run/secrets/TARGET (default TARGET: the secret's name; mode 0444, uid and gid 0); --config gives a config as /TARGET or at an absolute path.\n" +
                    "The --update-* flags say how 'service update' replaces tasks; the --rollback-* flags how a rollback does (both default to one task at a time, stop-first, pause on failure)."),
            new("service", "ls", "List services", "swarmctl service ls [OPTIONS]",
                [Format, Quiet],
                ["swarmctl service ls", "swarmctl service ls --format json"],
                0, 0,
                a => new ServiceList(a.Format(), a.Switch("quiet")),
                Aliases: ["list"],
                Description: "PORTS shows the published ports as *:PUBLISHED->TARGET/PROTOCOL, with the number the cluster gave an ingress port published without one. REPLICAS shows running/desired tasks (3/3), for global services 'global running/nodes' (global 5/5), for jobs the completed tasks ('job 7/10 completed', 'global job 2/3 completed'). --format json prints the API's answer, including progress and updateStatus."),
            new("service", "ps", "List the tasks of one or more services", "swarmctl service ps [OPTIONS] SERVICE [SERVICE...]",
                [Format, Quiet, NoTrunc],
                ["swarmctl service ps web", "swarmctl service ps web --format json"],
                1, int.MaxValue,
                a => new ServicePs(a.Positionals.ToList(), a.Format(), a.Switch("quiet"), a.Switch("no-trunc")),
                Description: "Shows every task of the service, current and past, newest first within a slot; older tasks of a slot are marked with \\_."),
            new("service", "inspect", "Show a service in detail", "swarmctl service inspect [OPTIONS] SERVICE [SERVICE...]",
                [Format],
                ["swarmctl service inspect web", "swarmctl service inspect web --format json"],
                1, int.MaxValue,
                a => new ServiceInspect(a.Positionals.ToList(), a.Format()),
                Description: "SERVICE is a name, an id or a unique id prefix. Shows the spec, the mode's progress, placement, resources, networks with their virtual IPs, published ports (as resolved), update and rollback settings, and the state of the last rolling update or rollback. With --format json one service prints as an object, several as an array."),
            new("service", "update", "Change a service", "swarmctl service update [OPTIONS] SERVICE [--] [COMMAND [ARG...]]",
                [
                    new("replicas", null, "N", "Number of tasks"),
                    new("image", null, "IMAGE", "Container image"),
                    new("env", "e", "KEY=VALUE", "Add or change an environment variable", Repeatable: true),
                    new("env-add", null, "KEY=VALUE", "Same as --env", Repeatable: true),
                    new("env-rm", null, "KEY", "Remove an environment variable", Repeatable: true),
                    .. RestartFlags,
                    StopGrace,
                    .. PlacementChanges.Flags,
                    .. NetworkOptions.UpdateFlags,
                    .. SecretOptions.UpdateFlags,
                    .. UpdateConfigOptions.Flags,
                    new("force", null, null, "Replace every task, even if nothing else changed"),
                    new("rollback", null, null, "Return to the previous spec (takes no other change)"),
                    Detach, Wait, WaitTimeout,
                ],
                [
                    "swarmctl service update --replicas 5 web",
                    "swarmctl service update web --env LOG=debug --restart-delay 1s",
                    "swarmctl service update web -- python3 -m http.server 9000",
                    "swarmctl service update web --image nginx:2 --update-parallelism 2 --update-delay 1s --update-failure-action rollback",
                    "swarmctl service update web --constraint-add node.labels.zone==east --constraint-rm node.role!=manager",
                    "swarmctl service update web --reserve-memory 512M --publish-add 8080:80 --publish-rm 9000",
                    "swarmctl service update web --network-add backend,alias=web-internal --network-rm frontend",
                    "swarmctl service update web --endpoint-mode dnsrr",
                    "swarmctl service update db --secret-rm db-password-v1 --secret-add source=db-password-v2,target=db-password",
                    "swarmctl service update web --force --wait",
                    "swarmctl service update web --rollback",
                ],
                1, int.MaxValue,
                BuildServiceUpdate,
                CommandAfter: 1,
                Description: "Only what is given changes; the rest keeps its value. A command after the service name replaces the service's command; changing it, the image, the environment or the resources replaces the tasks in a rolling update (see the --update-* settings); --force replaces them all.\n" +
                    "The *-add/-rm flags change the current constraints, preferences, platforms, generic resources, ports, networks, secrets and configs; --update-* and --rollback-* change only the settings given.\n" +
                    "--rollback returns to the spec before the last update, using the --rollback-* settings. With --wait, waits until the tasks run and the rolling update ended; exits 1 if it paused or was rolled back."),
            new("service", "logs", "Show the output of a service's tasks", "swarmctl service logs [OPTIONS] SERVICE",
                [Follow, Tail],
                ["swarmctl service logs web", "swarmctl service logs web --tail 20", "swarmctl service logs -f web"],
                1, 1,
                a => new LogsCommand(LogSource.Service, a.Positionals[0], a.Switch("follow"), TailOf(a)),
                Description: "Prints the output of every task of the service that was placed on a node, each line prefixed with 'service.slot@node | '. With --follow, lines are printed as they arrive until Ctrl-C."),
            new("service", "rm", "Remove one or more services", "swarmctl service rm SERVICE [SERVICE...]",
                [],
                ["swarmctl service rm web", "swarmctl service rm web worker"],
                1, int.MaxValue,
                a => new ServiceRemove(a.Positionals.ToList()),
                Aliases: ["remove"],
                Description: "Prints the name of each service removed; their tasks are shut down."),
            new("service", "scale", "Set the replica count of one or more services", "swarmctl service scale SERVICE=REPLICAS [SERVICE=REPLICAS...]",
                [Detach, Wait, WaitTimeout],
                ["swarmctl service scale web=5", "swarmctl service scale web=0 worker=3 --wait"],
                1, int.MaxValue,
                BuildServiceScale),
        ]),
        new("network", "Manage networks",
        [
            new("network", "create", "Create a network", "swarmctl network create [OPTIONS] NAME",
                [
                    new("driver", "d", "DRIVER", "Network driver (default overlay; on one Docker engine an overlay is a bridge network)"),
                    new("subnet", null, "CIDR", "IPv4 subnet, e.g. 10.1.0.0/24 (default: the next free /24 of 10.0.0.0/8); overlapping subnets are refused"),
                    new("gateway", null, "IP", "Gateway address in the subnet (default: its first address); needs --subnet"),
                    new("attachable", null, null, "Let standalone containers attach (recorded, as Docker does)"),
                    new("label", "l", "KEY=VALUE", "Network label", Repeatable: true),
                ],
                [
                    "swarmctl network create frontend",
                    "swarmctl network create --subnet 10.1.0.0/24 --gateway 10.1.0.1 backend",
                    "swarmctl network create --driver overlay --attachable --label env=prod --label team=web shared",
                ],
                1, 1,
                a => new NetworkCreate(NetworkOptions.Spec(a)),
                Description: "Prints the new network's id. Services attach with 'service create --network NAME' or 'service update --network-add NAME'; each task gets an address in the subnet and, in endpoint mode vip, the service a virtual IP. " +
                    "The 'ingress' network (10.0.0.0/24) exists from the start and carries published ingress ports."),
            new("network", "ls", "List networks", "swarmctl network ls [OPTIONS]",
                [Format, Quiet],
                ["swarmctl network ls", "swarmctl network ls -q", "swarmctl network ls --format json"],
                0, 0,
                a => new NetworkList(a.Format(), a.Switch("quiet")),
                Aliases: ["list"],
                Description: "One line per network: ID NAME DRIVER SUBNET SCOPE, as 'docker network ls'. --format json prints the API's answer, with gateway, labels and the services attached."),
            new("network", "inspect", "Show one or more networks in detail", "swarmctl network inspect [OPTIONS] NETWORK [NETWORK...]",
                [Format with { Help = "Output format: json (default, an array as 'docker network inspect'), or pretty" }],
                ["swarmctl network inspect frontend", "swarmctl network inspect frontend backend", "swarmctl network inspect ingress --format pretty"],
                1, int.MaxValue,
                a => new NetworkInspect(a.Positionals.ToList(), a.Get("format") is null ? OutputFormat.Json : a.Format()),
                Description: "NETWORK is a name, an id or a unique id prefix. Prints a JSON array with one object per network (id, name, driver, scope, subnet, gateway, attachable, ingress, labels, createdAt, services). " +
                    "A network that does not exist is named on stderr and the exit code is 1; the others are still printed."),
            new("network", "rm", "Remove one or more networks", "swarmctl network rm NETWORK [NETWORK...]",
                [],
                ["swarmctl network rm frontend", "swarmctl network rm frontend backend"],
                1, int.MaxValue,
                a => new NetworkRemove(a.Positionals.ToList()),
                Aliases: ["remove"],
                Description: "Prints the name of each network removed. A network a service uses is not removed (the error names the services): detach them first with 'service update --network-rm'. " +
                    "Each network is tried; the exit code is 1 if any was not removed."),
        ]),
        SecretGroup("secret"),
        SecretGroup("config"),
        new("task", "Inspect tasks",
        [
            new("task", "ls", "List tasks", "swarmctl task ls [OPTIONS]",
                [
                    new("service", null, "SERVICE", "Only tasks of this service (name or id)"),
                    new("node", null, "NODE", "Only tasks on this node (hostname or id)"),
                    new("desired-state", null, "STATE", "Only tasks with this desired state (running, shutdown, ...)"),
                    Format, Quiet, NoTrunc,
                ],
                ["swarmctl task ls", "swarmctl task ls --service web --node worker-1", "swarmctl task ls --desired-state running --format json"],
                0, 0,
                a => new TaskList(a.Get("service"), a.Get("node"), a.Get("desired-state"), a.Format(), a.Switch("quiet"), a.Switch("no-trunc")),
                Aliases: ["list"]),
            new("task", "inspect", "Show a task's full event history", "swarmctl task inspect [OPTIONS] TASK [TASK...]",
                [Format],
                ["swarmctl task inspect 9c1e04a7b2f0", "swarmctl task inspect 9c1e --format json"],
                1, int.MaxValue,
                a => new TaskInspect(a.Positionals.ToList(), a.Format()),
                Description: "Prints the task's addresses (one per network, with the service's virtual IP there and the names it answers to) and its published ports, then one line per event of the task's stream: time (UTC), stream version, event type and a summary. TASK is an id or a unique id prefix. With --format json prints the task with its history."),
            new("task", "logs", "Show the output of one task", "swarmctl task logs [OPTIONS] TASK",
                [Follow, Tail],
                ["swarmctl task logs 9c1e04a7b2f0", "swarmctl task logs 9c1e --follow --tail 10"],
                1, 1,
                a => new LogsCommand(LogSource.Task, a.Positionals[0], a.Switch("follow"), TailOf(a)),
                Description: "TASK is an id or a unique id prefix. Each line is prefixed with 'service.slot@node | '. With --follow, lines are printed as they arrive until Ctrl-C."),
            new("task", "trace", "Show a task's lifecycle as a waterfall of its steps", "swarmctl task trace [OPTIONS] TASK",
                [Format],
                ["swarmctl task trace 9c1e04a7b2f0", "swarmctl task trace 9c1e --format json"],
                1, 1,
                a => new TraceTask(a.Positionals[0], a.Format()),
                Description: "Reads the task's event stream (also for tasks already removed from the task list; give their full id). One line per step " +
                    "(created, allocated, assigned, accepted ... running, then complete/failed/shutdown/orphaned/removed): the time it happened (UTC), " +
                    "seconds since the task was created, how long the step lasted until the next one, the component that wrote it " +
                    "(orchestrator, allocator, scheduler, or the dispatcher reporting for the agent on a node) and a bar on a common time scale. " +
                    "TASK is an id or a unique id prefix. With --format json prints the same steps as JSON."),
        ]),
        new("cluster", "Manage cluster-wide settings",
        [
            new("cluster", "ls", "List the dispatcher replicas: role, term, reachability", "swarmctl cluster ls [OPTIONS]",
                [Format],
                ["swarmctl cluster ls", "swarmctl cluster ls --format json"],
                0, 0,
                a => new ClusterList(a.Format()),
                Description: "One line per dispatcher replica: whether the API can reach it, its Raft role (leader, follower, candidate), its term, and how many agent sessions it holds. Exactly one replica leads at a time."),
            new("cluster", "inspect", "Show the cluster-wide settings", "swarmctl cluster inspect [OPTIONS]",
                [Format],
                ["swarmctl cluster inspect", "swarmctl cluster inspect --format json"],
                0, 0,
                a => new ClusterInspect(a.Format()),
                Description: "Shows the task history limit (ended tasks kept per slot, per node for global services) and when the settings last changed."),
            new("cluster", "update", "Change cluster-wide settings", "swarmctl cluster update [OPTIONS]",
                [
                    new("task-history-limit", null, "N", "Ended tasks kept per slot (per node for global services), 0 or more (default 5)"),
                    new("cert-expiry", null, "DURATION", "Lifetime of node certificates issued from now on, 1h to 3650d (default 90d)"),
                    new("autolock", null, null, "Turn autolock on (the unlock key is printed once: store it) or off (--autolock=false)"),
                    Format with { Help = "With --autolock: json prints the answer, the unlock key as a field" },
                ],
                ["swarmctl cluster update --task-history-limit 10", "swarmctl cluster update --task-history-limit 0", "swarmctl cluster update --cert-expiry 2160h", "swarmctl cluster update --cert-expiry 30d",
                    "swarmctl cluster update --autolock", "swarmctl cluster update --autolock=false"],
                0, 0,
                BuildClusterUpdate,
                Description: "Older ended tasks leave 'service ps' and 'task ls'; 'task inspect ID' still shows their history from the log. " +
                    "A new certificate lifetime applies to certificates issued from now on: nodes renew at a random point between 50 % and 80 % of their current certificate's lifetime. " +
                    "Autolock (as Docker's): the CA's keys, the join tokens and the secrets' data key are sealed with an unlock key no manager stores; managers running now keep working, " +
                    "a manager that starts later serves nothing but its status until 'swarmctl cluster unlock' is given the key."),
            new("cluster", "unlock", "Give a locked manager the unlock key", "swarmctl cluster unlock [OPTIONS]",
                [
                    new("key-file", null, "FILE", "Read the key from FILE instead of standard input"),
                ],
                ["swarmctl cluster unlock", "echo \"$SWMKEY\" | swarmctl cluster unlock", "swarmctl cluster unlock --key-file ~/.swarm/unlock.key"],
                0, 0,
                a => new ClusterUnlock(a.Get("key-file")),
                Description: "Reads the unlock key (SWMKEY-1-…) from a prompt, standard input or --key-file — never from the command line, where other users and the shell history would see it. " +
                    "Unlocks the control API, then every dispatcher replica it knows that is locked; while it holds the key it unlocks a replica that restarts. A wrong key is refused and changes nothing."),
            new("cluster", "unlock-key", "Show or rotate the unlock key of an autolocked cluster", "swarmctl cluster unlock-key [OPTIONS]",
                [
                    new("rotate", null, null, "Replace the unlock key: the old one unlocks nothing from then on"),
                    Quiet with { Help = "Only print the key" },
                    Format,
                ],
                ["swarmctl cluster unlock-key", "swarmctl cluster unlock-key -q", "swarmctl cluster unlock-key --rotate"],
                0, 0,
                a => new ClusterUnlockKey(a.Switch("rotate"), a.Switch("quiet"), a.Format()),
                Description: "Shows the key only when the control API holds it (it turned autolock on, rotated the key, or was unlocked with it). Store a rotated key before the managers restart."),
            new("cluster", "ca", "Show the cluster's root CA, rotate it, or issue a client certificate", "swarmctl cluster ca [OPTIONS]",
                [
                    new("rotate", null, null, "Start a root rotation; unless --detach, show progress until every node renewed"),
                    new("detach", "d", null, "With --rotate: return once the rotation started"),
                    new("issue-client-cert", null, null, "Make a key here and get a client certificate for the API's TLS endpoint (needs --out)"),
                    new("out", null, "DIR", "With --issue-client-cert: where to write ca.pem, cert.pem and key.pem (0600)"),
                    new("name", null, "NAME", "With --issue-client-cert: the certificate's name (default: your user name)"),
                    Quiet with { Help = "Only print the root fingerprints" },
                    Format,
                ],
                ["swarmctl cluster ca", "swarmctl cluster ca --rotate", "swarmctl cluster ca --rotate --detach", "swarmctl cluster ca --issue-client-cert --out ~/.swarm/tls --name alice",
                    "swarmctl --host https://manager-1:5443 --tls-dir ~/.swarm/tls node ls"],
                0, 0,
                BuildClusterCa,
                Description: "Shows the SHA-256 fingerprint and expiry of each root the cluster trusts (the signing root first) and the lifetime of node certificates. " +
                    "A rotation makes a new root that signs from then on; the old one stays trusted and cross-signs it until every node renewed its certificate, so running tasks are not disturbed. " +
                    "Join tokens name the new root from the start. --issue-client-cert sends only a certificate signing request: the key never leaves this machine. " +
                    "Use the files with --tls-dir DIR (or SWARM_CERT_PATH=DIR) and --host https://MANAGER:PORT."),
            new("cluster", "join-token", "Show or rotate the token that admits a new worker or manager", "swarmctl cluster join-token [OPTIONS] worker|manager",
                [
                    new("rotate", null, null, "Replace the token's secret: the old token admits no new node (nodes that joined keep working)"),
                    Quiet with { Help = "Only print the token" },
                ],
                ["swarmctl cluster join-token worker", "swarmctl cluster join-token manager -q", "swarmctl cluster join-token worker --rotate"],
                1, 1,
                BuildJoinToken,
                Description: "Prints the command that starts an agent which joins with the token. The token pins the cluster's root CA: an agent refuses a server that presents another CA."),
        ]),
    ];

    private static WaitOptions WaitOf(ParsedArgs a)
    {
        var wait = a.Switch("wait") || (a.Has("detach") && !a.Switch("detach"));
        if (a.Switch("wait") && a.Has("detach") && a.Switch("detach"))
        {
            throw new UsageException("--wait and --detach cannot be used together");
        }

        return new WaitOptions(wait, a.Duration("timeout") ?? WaitOptions.DefaultTimeout);
    }

    private static CliCommand BuildNodeUpdate(ParsedArgs a)
    {
        NodeAvailability? availability = a.Get("availability")?.ToLowerInvariant() switch
        {
            null => null,
            "active" => NodeAvailability.Active,
            "pause" => NodeAvailability.Pause,
            "drain" => NodeAvailability.Drain,
            var other => throw new UsageException($"invalid value '{other}' for --availability: use active, pause or drain"),
        };
        var add = a.Pairs("label-add", valueRequired: false);
        var remove = a.All("label-rm").ToList();
        if (availability is null && add.Count == 0 && remove.Count == 0)
        {
            throw new UsageException("nothing to change: give --availability, --label-add or --label-rm");
        }

        return new NodeUpdate(a.Positionals[0], availability, add, remove);
    }

    private static RestartPolicySpec? RestartPolicyOf(ParsedArgs a)
    {
        var condition = RestartConditionOf(a);
        var delay = a.Duration("restart-delay");
        var max = a.Int("restart-max-attempts", min: 0);
        var window = a.Duration("restart-window");
        return condition is null && delay is null && max is null && window is null
            ? null
            : new RestartPolicySpec { Condition = condition, DelaySeconds = delay?.TotalSeconds, MaxAttempts = max, WindowSeconds = window?.TotalSeconds };
    }

    private static string? RestartConditionOf(ParsedArgs a) => a.Get("restart-condition") switch
    {
        null => null,
        "none" or "on-failure" or "any" => a.Get("restart-condition"),
        var other => throw new UsageException($"invalid value '{other}' for --restart-condition: use none, on-failure or any"),
    };

    private static int? TailOf(ParsedArgs a) => a.Get("tail")?.ToLowerInvariant() switch
    {
        null or "all" => null,
        _ => a.Int("tail", min: 1),
    };

    /// <summary>The bounds the API takes for a node certificate's lifetime (checked here too, to say it before calling).</summary>
    public static readonly TimeSpan MinCertExpiry = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxCertExpiry = TimeSpan.FromDays(3650);

    private static CliCommand BuildClusterUpdate(ParsedArgs a)
    {
        var limit = a.Int("task-history-limit", min: 0);
        var expiry = a.Duration("cert-expiry");
        bool? autolock = a.Has("autolock") ? a.Switch("autolock") : null;
        if (limit is null && expiry is null && autolock is null)
        {
            throw new UsageException("nothing to change: give --task-history-limit N, --cert-expiry DURATION or --autolock[=false]");
        }

        if (expiry < MinCertExpiry || expiry > MaxCertExpiry)
        {
            throw new UsageException($"invalid value '{a.Get("cert-expiry")}' for --cert-expiry: must be from 1h to 3650d");
        }

        return new ClusterUpdate(limit, expiry, autolock, a.Format());
    }

    private static CliCommand BuildClusterCa(ParsedArgs a)
    {
        var rotate = a.Switch("rotate");
        var issue = a.Switch("issue-client-cert");
        if (rotate && issue)
        {
            throw new UsageException("--rotate and --issue-client-cert cannot be used together");
        }

        if (issue)
        {
            var @out = a.Get("out") ?? throw new UsageException("--issue-client-cert needs --out DIR (where ca.pem, cert.pem and key.pem go)");
            var name = a.Get("name") ?? Environment.UserName;
            return new ClusterIssueClientCert(@out, name);
        }

        foreach (var flag in new[] { "out", "name" })
        {
            if (a.Has(flag))
            {
                throw new UsageException($"--{flag} goes with --issue-client-cert");
            }
        }

        if (a.Has("detach") && !rotate)
        {
            throw new UsageException("--detach goes with --rotate");
        }

        return new ClusterCa(rotate, a.Switch("detach"), a.Switch("quiet"), a.Format());
    }

    private static CliCommand BuildJoinToken(ParsedArgs a)
    {
        var kind = a.Positionals[0].ToLowerInvariant();
        return kind is "worker" or "manager"
            ? new ClusterJoinToken(kind, a.Switch("rotate"), a.Switch("quiet"))
            : throw new UsageException($"invalid argument '{a.Positionals[0]}': use worker or manager");
    }

    private static string? ModeOf(ParsedArgs a)
    {
        var mode = a.Get("mode")?.ToLowerInvariant();
        if (mode is null)
        {
            return null;
        }

        if (!Modes.Contains(mode))
        {
            throw new UsageException($"invalid value '{a.Get("mode")}' for --mode: use {string.Join(", ", Modes)}");
        }

        if (a.Has("replicas") && mode is not "replicated")
        {
            throw new UsageException(mode is "replicated-job"
                ? "--replicas does not apply to a replicated-job: use --total-completions and --max-concurrent"
                : $"--replicas does not apply to a {mode} service: it runs one task per node");
        }

        return mode;
    }

    private static CliCommand BuildServiceCreate(ParsedArgs a)
    {
        var name = a.Get("name") ?? throw new UsageException("--name is required");
        if (a.Command.Count == 0)
        {
            throw new UsageException("a command to run is required, e.g. swarmctl service create --name web -- sleep 3600");
        }

        var mode = ModeOf(a);
        foreach (var flag in new[] { "total-completions", "max-concurrent" })
        {
            if (a.Has(flag) && mode is not "replicated-job")
            {
                throw new UsageException($"--{flag} applies to --mode replicated-job only");
            }
        }

        var env = a.Pairs("env");
        var labels = a.Pairs("label", valueRequired: false);
        var spec = new ServiceSpec
        {
            Name = name,
            Mode = mode,
            Replicas = a.Int("replicas"),
            TotalCompletions = a.Int("total-completions", min: 0),
            MaxConcurrent = a.Int("max-concurrent", min: 1),
            Image = a.Get("image"),
            Command = a.Command.ToList(),
            Env = env.Count > 0 ? env : null,
            WorkingDir = a.Get("workdir"),
            Labels = labels.Count > 0 ? labels : null,
            RestartPolicy = RestartPolicyOf(a),
            StopGracePeriodSeconds = a.Duration("stop-grace-period")?.TotalSeconds,
            Placement = PlacementOptions.Placement(a),
            Resources = PlacementOptions.Resources(a),
            Ports = PlacementOptions.Ports(a),
            Networks = NetworkOptions.Networks(a),
            EndpointMode = NetworkOptions.EndpointMode(a),
            Secrets = SecretOptions.Secrets(a),
            Configs = SecretOptions.Configs(a),
            UpdateConfig = UpdateConfigOptions.Parse(a, UpdateConfigOptions.Update),
            RollbackConfig = UpdateConfigOptions.Parse(a, UpdateConfigOptions.Rollback),
        };
        return new ServiceCreate(spec, WaitOf(a));
    }

    private static CliCommand BuildServiceUpdate(ParsedArgs a)
    {
        var envAdd = a.Pairs("env");
        foreach (var (k, v) in a.Pairs("env-add"))
        {
            envAdd[k] = v;
        }

        var changes = new ServiceChanges
        {
            Replicas = a.Int("replicas"),
            Image = a.Get("image"),
            Command = a.CommandGiven && a.Command.Count > 0 ? a.Command.ToList() : null,
            EnvAdd = envAdd,
            EnvRemove = a.All("env-rm").ToList(),
            RestartCondition = RestartConditionOf(a),
            RestartDelay = a.Duration("restart-delay"),
            RestartMaxAttempts = a.Int("restart-max-attempts", min: 0),
            RestartWindow = a.Duration("restart-window"),
            StopGracePeriod = a.Duration("stop-grace-period"),
            UpdateConfig = UpdateConfigOptions.Parse(a, UpdateConfigOptions.Update),
            RollbackConfig = UpdateConfigOptions.Parse(a, UpdateConfigOptions.Rollback),
            Placement = PlacementChanges.Parse(a),
            Networks = NetworkChanges.Parse(a),
            Secrets = SecretChanges.Parse(a),
            Force = a.Switch("force"),
            Rollback = a.Switch("rollback"),
        };
        if (changes.IsEmpty)
        {
            throw new UsageException("nothing to change: give --replicas, --image, --env, --restart-*, --stop-grace-period, --constraint-*, --reserve-*, --limit-*, --publish-*, --network-*, --endpoint-mode, --secret-*, --config-*, --update-*, --rollback-*, --force, --rollback or a command");
        }

        if (changes.Rollback && (!changes.ChangesNoValue || changes.Force))
        {
            throw new UsageException("--rollback returns to the previous spec and takes no other change; run the update separately");
        }

        return new ServiceUpdate(a.Positionals[0], changes, WaitOf(a));
    }

    /// <summary>The <c>secret</c> and <c>config</c> commands (<paramref name="kind"/>): the same four verbs, as Docker's.</summary>
    private static CommandGroup SecretGroup(string kind)
    {
        var secret = kind == "secret";
        var upper = kind.ToUpperInvariant();
        return new(kind, secret ? "Manage secrets (values kept encrypted, given to tasks as files)" : "Manage configs (files given to tasks)",
        [
            new(kind, "create", $"Create a {kind} from a file or standard input", $"swarmctl {kind} create [OPTIONS] {upper} FILE|-",
                [new("label", "l", "KEY=VALUE", $"{(secret ? "Secret" : "Config")} label", Repeatable: true)],
                secret
                    ? ["swarmctl secret create db-password ./password.txt", "printf %s 's3cr3t' | swarmctl secret create db-password -", "swarmctl secret create --label env=prod tls-key ./server.key"]
                    : ["swarmctl config create nginx-conf ./nginx.conf", "echo 'level=debug' | swarmctl config create app-conf -"],
                2, 2,
                a => new SecretCreate(kind, a.Positionals[0], a.Positionals[1], a.Pairs("label", valueRequired: false)),
                Description: $"Prints the new {kind}'s id. The value is read from FILE, or from standard input when FILE is '-'; at most 500 KiB. " +
                    (secret
                        ? "It is stored encrypted; no command shows it again. Secrets cannot be changed: to rotate one, create a new secret and 'service update --secret-rm OLD --secret-add source=NEW,target=OLD'."
                        : "Configs cannot be changed: create a new one and 'service update --config-rm OLD --config-add source=NEW,target=...'.")),
            new(kind, "ls", $"List {kind}s", $"swarmctl {kind} ls [OPTIONS]",
                [Format, Quiet],
                [$"swarmctl {kind} ls", $"swarmctl {kind} ls -q", $"swarmctl {kind} ls --format json"],
                0, 0,
                a => new SecretList(kind, a.Format(), a.Switch("quiet")),
                Aliases: ["list"],
                Description: $"One line per {kind}: ID NAME CREATED. --format json prints the API's answer (metadata only)."),
            new(kind, "inspect", $"Show one or more {kind}s", $"swarmctl {kind} inspect [OPTIONS] {upper} [{upper}...]",
                [new("pretty", null, null, secret ? "Readable text instead of JSON" : "Readable text instead of JSON, with the config's value")],
                [$"swarmctl {kind} inspect {(secret ? "db-password" : "nginx-conf")}", $"swarmctl {kind} inspect --pretty {(secret ? "db-password" : "nginx-conf")}"],
                1, int.MaxValue,
                a => new SecretInspect(kind, a.Positionals.ToList(), a.Switch("pretty")),
                Description: $"{upper} is a name, an id or a unique id prefix. Prints a JSON array with one object per {kind} (id, name, labels, size, createdAt" +
                    (secret ? "); never the value." : ", digest); --pretty also prints the value.") +
                    $" A {kind} that does not exist is named on stderr and the exit code is 1."),
            new(kind, "rm", $"Remove one or more {kind}s", $"swarmctl {kind} rm {upper} [{upper}...]",
                [],
                [$"swarmctl {kind} rm {(secret ? "db-password" : "nginx-conf")}"],
                1, int.MaxValue,
                a => new SecretRemove(kind, a.Positionals.ToList()),
                Aliases: ["remove"],
                Description: $"Prints the name of each {kind} removed. A {kind} a service uses is not removed (the error names the services): 'service update --{kind}-rm NAME SERVICE' first. Each is tried; the exit code is 1 if any was not removed."),
        ]);
    }

    private static CliCommand BuildServiceScale(ParsedArgs a)
    {
        var targets = new List<KeyValuePair<string, int>>();
        foreach (var item in a.Positionals)
        {
            var eq = item.LastIndexOf('=');
            if (eq <= 0 || !int.TryParse(item[(eq + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var replicas))
            {
                throw new UsageException($"invalid argument '{item}': expected SERVICE=REPLICAS, e.g. web=5");
            }

            targets.Add(new(item[..eq], replicas));
        }

        return new ServiceScale(targets, WaitOf(a));
    }
}
