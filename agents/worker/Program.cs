using Microsoft.Extensions.Hosting;
using Swarm.ServiceDefaults;
using Swarm.Worker;
using Swarm.Worker.Cli;

// The node agent. See WorkerOptions.Usage (or run with --help) for the command line.
WorkerOptions options;
try
{
    options = WorkerOptions.Parse(args);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"Swarm.Worker: {ex.Message}");
    Console.Error.WriteLine("Run 'Swarm.Worker --help' for usage.");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(WorkerOptions.Usage);
    return 0;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
builder.AddSwarmDefaults("worker", hostName: options.Hostname);
builder.AddWorker(options);
await builder.Build().RunAsync();

// set when the agent could not go on (a node that cannot join, or was removed from the cluster)
return Environment.ExitCode;
