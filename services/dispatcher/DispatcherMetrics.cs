using System.Diagnostics.Metrics;

namespace Swarm.Dispatcher;

/// <summary>The dispatcher's meter (registered with OpenTelemetry by <see cref="DispatcherExtensions.AddDispatcher"/>).</summary>
public static class DispatcherMetrics
{
    public const string MeterName = "Swarm.Dispatcher";

    /// <summary>The dispatcher meter of this host (one per container, so tests can tell hosts apart).</summary>
    public static Meter Of(IServiceProvider services) => services.GetRequiredService<IMeterFactory>().Create(MeterName);
}
