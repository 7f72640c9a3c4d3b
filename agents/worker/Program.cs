using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Swarm.Worker;
using Swarm.Worker.Agent;
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
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});

// traces of the tasks' lifecycles go to an OpenTelemetry collector when OTEL_EXPORTER_OTLP_ENDPOINT names one
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(r => r.AddService("worker", serviceInstanceId: $"{options.Hostname}-{Environment.ProcessId}").AddAttributes([new("host.name", options.Hostname)]))
        .WithTracing(t => t.AddSource(TaskRunner.Source.Name))
        .WithLogging()
        .UseOtlpExporter();
}

builder.Services.AddSingleton(options);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHostedService<WorkerHost>();
await builder.Build().RunAsync();
return 0;
