using Swarm.EventStore;

// Applies the cluster log's schema once, before any service starts.
// Usage: Swarm.Migrator [--schema NAME]   (connection from ConnectionStrings__Postgres)
var connection = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
if (string.IsNullOrWhiteSpace(connection))
{
    Console.Error.WriteLine("migrator: ConnectionStrings__Postgres is not set");
    return 2;
}

var schema = Environment.GetEnvironmentVariable("Swarm__Schema") is { Length: > 0 } s ? s : SwarmStoreOptions.DefaultSchema;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--schema")
    {
        schema = args[i + 1];
    }
}

try
{
    await EventStoreExtensions.ApplySchemaAsync(connection, schema);
    Console.WriteLine($"migrator: schema '{schema}' is up to date");
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"migrator: {ex.GetBaseException().Message}");
    return 1;
}
