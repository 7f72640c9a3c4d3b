using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Swarm.Contracts.Events;
using Swarm.Domain.Networks;
using Swarm.Domain.Nodes;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.EventStore.Projections;
using Weasel.Core;

namespace Swarm.EventStore;

/// <summary>
/// The cluster log's configuration, shared by every service and the schema migrator: one stream per
/// aggregate, event type names pinned, aggregates kept as inline snapshots that are also the read
/// models (so the API reads its own writes).
/// </summary>
public static class SwarmStoreOptions
{
    public const string DefaultSchema = "swarm";

    /// <summary>Stable names of every event type, as stored in the log.</summary>
    public static readonly IReadOnlyDictionary<Type, string> EventNames = new Dictionary<Type, string>
    {
        [typeof(ServiceCreated)] = "service_created",
        [typeof(ServiceUpdated)] = "service_updated",
        [typeof(ServiceRemoved)] = "service_removed",
        [typeof(ServiceUpdateStatusChanged)] = "service_update_status_changed",
        [typeof(ServiceRolledBack)] = "service_rolled_back",
        [typeof(ServiceReconciliationFailed)] = "service_reconciliation_failed",
        [typeof(ServiceReconciliationRecovered)] = "service_reconciliation_recovered",
        [typeof(TaskCreated)] = "task_created",
        [typeof(TaskAllocated)] = "task_allocated",
        [typeof(TaskUnschedulable)] = "task_unschedulable",
        [typeof(TaskAssigned)] = "task_assigned",
        [typeof(TaskStatusChanged)] = "task_status_changed",
        [typeof(TaskDesiredStateChanged)] = "task_desired_state_changed",
        [typeof(TaskReaped)] = "task_reaped",
        [typeof(ClusterUpdated)] = "cluster_updated",
        [typeof(NodeRegistered)] = "node_registered",
        [typeof(NodeStatusChanged)] = "node_status_changed",
        [typeof(NodeSpecUpdated)] = "node_spec_updated",
        [typeof(NodeRemoved)] = "node_removed",
        [typeof(NodeCertificateIssued)] = "node_certificate_issued",
        [typeof(ClusterCaChanged)] = "cluster_ca_changed",
        [typeof(NetworkCreated)] = "network_created",
        [typeof(NetworkRemoved)] = "network_removed",
        [typeof(ServiceEndpointAllocated)] = "service_endpoint_allocated",
        [typeof(AddressAllocated)] = "address_allocated",
        [typeof(AddressReleased)] = "address_released",
        [typeof(AddressesAllocated)] = "addresses_allocated",
        [typeof(AddressesReleased)] = "addresses_released",
        [typeof(DispatcherTermStarted)] = "dispatcher_term_started",
        [typeof(ClusterCaChanged)] = "cluster_ca_changed",
        [typeof(NodeCertificateIssued)] = "node_certificate_issued",
        [typeof(SecretCreated)] = "secret_created",
        [typeof(SecretRemoved)] = "secret_removed",
        [typeof(ConfigCreated)] = "config_created",
        [typeof(ConfigRemoved)] = "config_removed",
    };

    private static int StableLockId(string schema)
    {
        var hash = 2166136261u;
        foreach (var c in schema)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x3FFFFFFF) + 10_000;
    }

    /// <summary>
    /// Npgsql prepares the statements a process sends over and over (reading a task for writing, the
    /// document upserts, event appends) unless the connection string says otherwise, so PostgreSQL
    /// does not parse and plan each of them again: a burst sends thousands of the same few statements.
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
        }

        return builder.ConnectionString;
    }

    public static void Configure(StoreOptions opts, string connectionString, string schema, bool applySchema)
    {
        opts.Connection(WithAutoPrepare(connectionString));
        opts.DatabaseSchemaName = schema;
        opts.Events.DatabaseSchemaName = schema;
        opts.AutoCreateSchemaObjects = applySchema ? AutoCreate.CreateOrUpdate : AutoCreate.None;
        // absent fields are left out rather than written as null: a task document and a created task's
        // event carry the whole service spec, most of it unset, and every step of a task rewrites it
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, o => o.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);

        opts.Events.StreamIdentity = StreamIdentity.AsGuid;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.UseListenNotifyForEventAppends = true;

        // one relay per cluster log: the hot/cold lock is per schema, so clusters sharing a database
        // (tests, side-by-side installs) each get their own relay
        opts.Projections.DaemonLockId = StableLockId(schema);

        foreach (var (type, name) in EventNames)
        {
            opts.Events.MapEventType(type, name);
        }

        opts.Projections.Add<ServiceProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<TaskProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<NodeProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<NetworkProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<ClusterProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<DispatcherLeadershipProjection>(ProjectionLifecycle.Inline);

        opts.Schema.For<Service>().Index(x => x.Name);
        opts.Schema.For<SwarmTask>().Index(x => x.ServiceId).Index(x => x.NodeId!).Index(x => x.State).Index(x => x.DesiredState);
        opts.Schema.For<ServiceNameClaim>();
        opts.Schema.For<NetworkNameClaim>();
        opts.Schema.For<Allocation.AddressLease>().Index(x => x.NetworkId).Index(x => x.HolderId);
        opts.Schema.For<Allocation.PortLease>().Index(x => x.ServiceId);
        opts.Schema.For<AppliedCommand>();
        opts.Schema.For<Security.ClusterCaDocument>();

        // secrets and configs: metadata as read models, values encrypted in rows of their own
        opts.Projections.Add<Secrets.SecretProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<Secrets.ConfigProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<Secrets.SecretDataKeyDocument>();
        opts.Schema.For<Secrets.SecretValueDocument>();
        opts.Schema.For<Secrets.SecretNameClaim>();
    }
}
