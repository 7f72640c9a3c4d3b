using Swarm.Contracts.Model;

namespace Swarm.Domain.Scheduling;

/// <summary>A node as the scheduler sees it: its state and how many tasks it already runs.</summary>
public sealed record NodeCandidate(Guid Id, string Hostname, NodeStatus Status, NodeAvailability Availability, int ServiceTasks, int TotalTasks);
