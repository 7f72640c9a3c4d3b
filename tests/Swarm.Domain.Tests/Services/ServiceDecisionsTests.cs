using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Services;

public class ServiceDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid ServiceId = Guid.NewGuid();
    private static readonly ServiceSpec Spec = new() { Name = "web", Replicas = 2, Command = ["sleep", "60"] };

    private static Service Existing() => Service.Create(new ServiceCreated { ServiceId = ServiceId, Spec = ServiceSpecValidator.Normalize(Spec), CreatedAt = Now });

    private static Service Updated() => Existing().Apply(new ServiceUpdated
    {
        ServiceId = ServiceId,
        Spec = Existing().Spec with { Replicas = 3 },
        PreviousSpec = Existing().Spec,
        SpecVersion = 2,
        UpdatedAt = Now,
    });

    private static Service Removed() => Existing().Apply(new ServiceRemoved { ServiceId = ServiceId, Name = "web", RemovedAt = Now });

    private static void AssertRejected(Decision decision, string code, string field)
    {
        Assert.Empty(decision.Events);
        Assert.NotNull(decision.Rejected);
        Assert.Equal((code, field), (decision.Rejected.Code, decision.Rejected.Error.Field));
        Assert.False(string.IsNullOrWhiteSpace(decision.Rejected.Error.Reason));
    }

    [Fact]
    public void Create_starts_the_service_with_its_spec_normalized()
    {
        var decision = ServiceDecisions.Create(null, ServiceId, Spec with { Replicas = null }, null, Now);

        var created = Assert.IsType<ServiceCreated>(Assert.Single(decision.Events));
        Assert.Null(decision.Rejected);
        Assert.Equal(ServiceId, created.ServiceId);
        Assert.Equal(("web", "replicated", 1), (created.Spec.Name, created.Spec.Mode, created.Spec.Replicas));
        Assert.Equal(Now, created.CreatedAt);
    }

    [Fact]
    public void Create_with_an_invalid_spec_names_the_field()
    {
        AssertRejected(ServiceDecisions.Create(null, ServiceId, Spec with { Replicas = -1 }, null, Now), Rejection.Invalid, "spec.replicas");
        AssertRejected(ServiceDecisions.Create(null, ServiceId, null, null, Now), Rejection.Invalid, "spec");
    }

    [Fact]
    public void Create_of_a_name_another_service_holds_is_a_conflict()
    {
        var decision = ServiceDecisions.Create(null, ServiceId, Spec, Guid.NewGuid(), Now);

        AssertRejected(decision, Rejection.Conflict, "spec.name");
        Assert.Equal("a service named 'web' already exists", decision.Rejected!.Error.Reason);
    }

    [Fact]
    public void Create_decided_again_after_it_was_written_appends_nothing()
    {
        var decision = ServiceDecisions.Create(Existing(), ServiceId, Spec, ServiceId, Now);

        Assert.Same(Decision.Unchanged, decision);
        Assert.Null(decision.Rejected);
    }

    [Fact]
    public void Create_decided_again_after_the_service_was_removed_is_a_conflict() =>
        AssertRejected(ServiceDecisions.Create(Removed(), ServiceId, Spec, null, Now), Rejection.Conflict, "spec.name");

    [Fact]
    public void Update_merges_into_the_current_spec_and_moves_the_version_on()
    {
        var current = Existing();
        var decision = ServiceDecisions.Update(current, new UpdateService { Service = "web", Replicas = 5, Image = "busybox" }, Now);

        var updated = Assert.IsType<ServiceUpdated>(Assert.Single(decision.Events));
        Assert.Equal((5, "busybox", "web"), (updated.Spec.Replicas, updated.Spec.Image, updated.Spec.Name));
        Assert.Equal(current.Spec, updated.PreviousSpec);
        Assert.Equal(2, updated.SpecVersion);
        Assert.Equal(2, ServiceDecisions.SpecVersionAfter(current, decision));
    }

    [Fact]
    public void Update_that_changes_nothing_appends_nothing()
    {
        var current = Existing();
        var decision = ServiceDecisions.Update(current, new UpdateService { Service = "web", Replicas = 2 }, Now);

        Assert.Same(Decision.Unchanged, decision);
        Assert.Equal(1, ServiceDecisions.SpecVersionAfter(current, decision));
    }

    [Fact]
    public void Update_cannot_change_the_name()
    {
        var decision = ServiceDecisions.Update(Existing(), new UpdateService { Service = "web", Spec = Spec with { Name = "api" } }, Now);

        AssertRejected(decision, Rejection.Invalid, "spec.name");
        Assert.Equal("a service's name cannot be changed", decision.Rejected!.Error.Reason);
    }

    [Fact]
    public void Update_from_an_out_of_date_version_is_a_conflict()
    {
        var decision = ServiceDecisions.Update(Updated(), new UpdateService { Service = "web", Replicas = 4, ExpectedVersion = 1 }, Now);

        AssertRejected(decision, Rejection.Conflict, "version");
        Assert.Equal("service 'web' is at spec version 2, not 1: it changed since it was read; read it again and retry", decision.Rejected!.Error.Reason);
    }

    [Fact]
    public void Update_from_the_current_version_is_written() =>
        Assert.Single(ServiceDecisions.Update(Updated(), new UpdateService { Service = "web", Replicas = 4, ExpectedVersion = 2 }, Now).Events);

    [Fact]
    public void Update_to_an_invalid_spec_names_the_field()
    {
        AssertRejected(ServiceDecisions.Update(Existing(), new UpdateService { Service = "web", Replicas = -1 }, Now), Rejection.Invalid, "spec.replicas");
        AssertRejected(ServiceDecisions.Update(Existing(), new UpdateService { Service = "web", Command = [] }, Now), Rejection.Invalid, "spec.command");
    }

    [Fact]
    public void Update_of_a_removed_or_missing_service_is_not_found()
    {
        var removed = ServiceDecisions.Update(Removed(), new UpdateService { Service = "web", Replicas = 4 }, Now);
        AssertRejected(removed, Rejection.NotFound, "service");
        Assert.Equal("no service 'web'", removed.Rejected!.Error.Reason);
        AssertRejected(ServiceDecisions.Update(null, new UpdateService { Service = "web", Replicas = 4 }, Now), Rejection.NotFound, "service");
    }

    [Fact]
    public void Rollback_goes_back_to_the_previous_spec()
    {
        var current = Updated();
        var decision = ServiceDecisions.Rollback(current, "web", Now);

        var rolledBack = Assert.IsType<ServiceRolledBack>(Assert.Single(decision.Events));
        Assert.Equal(current.PreviousSpec, rolledBack.Spec);
        Assert.Equal(current.Spec, rolledBack.PreviousSpec);
        Assert.Equal(3, rolledBack.SpecVersion);
        Assert.True(rolledBack.Manual);
        Assert.Equal(3, ServiceDecisions.SpecVersionAfter(current, decision));
    }

    [Fact]
    public void Rollback_without_a_previous_spec_is_refused()
    {
        var decision = ServiceDecisions.Rollback(Existing(), "web", Now);

        AssertRejected(decision, Rejection.Invalid, "rollback");
        Assert.Equal("service 'web' has no previous spec to roll back to", decision.Rejected!.Error.Reason);
        AssertRejected(ServiceDecisions.Rollback(Removed(), "web", Now), Rejection.Invalid, "rollback");
    }

    [Fact]
    public void Remove_removes_a_live_service()
    {
        var removed = Assert.IsType<ServiceRemoved>(Assert.Single(ServiceDecisions.Remove(Existing(), "web", Now).Events));
        Assert.Equal((ServiceId, "web", Now), (removed.ServiceId, removed.Name, removed.RemovedAt));
    }

    [Fact]
    public void Remove_of_a_removed_or_missing_service_is_not_found()
    {
        var again = ServiceDecisions.Remove(Removed(), "web", Now);
        AssertRejected(again, Rejection.NotFound, "service");
        Assert.Equal("no service 'web'", again.Rejected!.Error.Reason);
        AssertRejected(ServiceDecisions.Remove(null, "ab12", Now), Rejection.NotFound, "service");
    }
}
