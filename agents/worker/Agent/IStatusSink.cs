using Swarm.Worker.Exec;

namespace Swarm.Worker.Agent;

/// <summary>Where task runners put the states they observe.</summary>
public interface IStatusSink
{
    void Report(StatusUpdate update);
}
