using Swarm.Contracts.Model;
using Swarm.Domain.Secrets;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Secrets;

public class SecretRulesTests
{
    private static readonly ServiceSpec Web = new() { Name = "web", Command = ["sleep", "3600"] };

    [Theory]
    [InlineData("db-password")]
    [InlineData("a")]
    [InlineData("Cert_2026.pem")]
    public void Docker_names_are_valid(string name) => Assert.Null(SecretRules.Name(name));

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData(".hidden")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    public void Other_names_are_refused(string name) => Assert.Equal("name", SecretRules.Name(name)!.Field);

    [Fact]
    public void Names_are_at_most_64_characters()
    {
        Assert.Null(SecretRules.Name(new string('a', 64)));
        Assert.NotNull(SecretRules.Name(new string('a', 65)));
    }

    [Fact]
    public void A_value_is_not_empty_and_at_most_500_KiB()
    {
        Assert.NotNull(SecretRules.Data(0));
        Assert.Null(SecretRules.Data(1));
        Assert.Null(SecretRules.Data(500 * 1024));
        Assert.Contains("500 KiB", SecretRules.Data(500 * 1024 + 1)!.Reason);
    }

    [Fact]
    public void A_service_may_reference_secrets_and_configs()
    {
        var spec = Web with
        {
            Secrets = [new() { Source = "db-password" }, new() { Source = "tls-key", Target = "key.pem", Uid = "1000", Gid = "1000", Mode = 0x100 }],
            Configs = [new() { Source = "nginx-conf", Target = "/etc/nginx/nginx.conf" }, new() { Source = "motd" }],
        };

        Assert.Null(ServiceSpecValidator.Validate(spec));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("sub/file")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    public void A_secret_target_is_a_file_name(string target)
    {
        var error = ServiceSpecValidator.Validate(Web with { Secrets = [new() { Source = "pw", Target = target }] });

        Assert.Equal("spec.secrets[0].target", error?.Field);
    }

    [Theory]
    [InlineData("/etc/../shadow")]
    [InlineData("conf/app.ini")]
    [InlineData("/")]
    public void A_config_target_is_a_file_name_or_a_clean_absolute_path(string target)
    {
        var error = ServiceSpecValidator.Validate(Web with { Configs = [new() { Source = "app", Target = target }] });

        Assert.Equal("spec.configs[0].target", error?.Field);
    }

    [Fact]
    public void A_target_given_twice_is_refused()
    {
        var twiceDefault = Web with { Secrets = [new() { Source = "pw" }, new() { Source = "pw" }] };
        var twiceExplicit = Web with { Secrets = [new() { Source = "pw" }, new() { Source = "other", Target = "pw" }] };

        Assert.Equal("spec.secrets[1].target", ServiceSpecValidator.Validate(twiceDefault)?.Field);
        Assert.Equal("spec.secrets[1].target", ServiceSpecValidator.Validate(twiceExplicit)?.Field);
    }

    [Fact]
    public void Mode_uid_gid_and_source_are_checked()
    {
        Assert.Equal("spec.secrets[0].mode", ServiceSpecValidator.Validate(Web with { Secrets = [new() { Source = "pw", Mode = 0x200 }] })?.Field); // 01000
        Assert.Equal("spec.secrets[0].uid", ServiceSpecValidator.Validate(Web with { Secrets = [new() { Source = "pw", Uid = "root" }] })?.Field);
        Assert.Equal("spec.configs[0].gid", ServiceSpecValidator.Validate(Web with { Configs = [new() { Source = "c", Gid = "-1" }] })?.Field);
        Assert.Equal("spec.secrets[0].source", ServiceSpecValidator.Validate(Web with { Secrets = [new() { Source = "" }] })?.Field);
    }

    [Fact]
    public void Changing_a_services_secrets_or_configs_replaces_its_tasks()
    {
        var with = Web with { Secrets = [new() { Source = "pw-v1" }] };

        Assert.True(ServiceUpdate.TaskSpecChanged(Web, with));
        Assert.True(ServiceUpdate.TaskSpecChanged(with, Web with { Secrets = [new() { Source = "pw-v2", Target = "pw-v1" }] }));
        Assert.True(ServiceUpdate.TaskSpecChanged(with, with with { Secrets = [new() { Source = "pw-v1", Mode = 0x100 }] }));
        Assert.True(ServiceUpdate.TaskSpecChanged(Web, Web with { Configs = [new() { Source = "conf" }] }));
        Assert.False(ServiceUpdate.TaskSpecChanged(Web, Web with { Secrets = [] }));
        Assert.False(ServiceUpdate.TaskSpecChanged(with, with with { Secrets = [new() { Source = "pw-v1" }] }));
    }
}
