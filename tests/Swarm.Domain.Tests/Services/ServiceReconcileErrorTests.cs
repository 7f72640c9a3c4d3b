using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Services;

public class ServiceReconcileErrorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly ServiceSpec Spec = new() { Name = "web", Mode = "replicated", Replicas = 1, Command = ["sleep", "60"] };

    private static Service Failing() =>
        Service.Create(new ServiceCreated { ServiceId = Guid.NewGuid(), Spec = Spec, CreatedAt = Now })
            .Apply(new ServiceReconciliationFailed { Reason = "TimeSpan overflowed", At = Now.AddSeconds(1) });

    [Fact]
    public void A_reconciliation_failure_is_kept_with_its_reason_and_time()
    {
        Assert.Equal(new ReconcileError("TimeSpan overflowed", Now.AddSeconds(1)), Failing().ReconcileError);
    }

    [Fact]
    public void A_new_spec_clears_the_reconciliation_failure()
    {
        var failing = Failing();
        var updated = failing.Apply(new ServiceUpdated { ServiceId = failing.Id, Spec = Spec with { Replicas = 2 }, PreviousSpec = Spec, SpecVersion = 2, UpdatedAt = Now.AddSeconds(2) });
        Assert.Null(updated.ReconcileError);

        var rolledBack = failing.Apply(new ServiceRolledBack { ServiceId = failing.Id, Spec = Spec, PreviousSpec = Spec, SpecVersion = 2, Reason = "manual", At = Now.AddSeconds(2) });
        Assert.Null(rolledBack.ReconcileError);
    }

    [Fact]
    public void A_reconciliation_that_succeeds_again_clears_the_failure()
    {
        var failing = Failing();
        Assert.Null(failing.Apply(new ServiceReconciliationRecovered { ServiceId = failing.Id, At = Now.AddSeconds(3) }).ReconcileError);
    }
}
