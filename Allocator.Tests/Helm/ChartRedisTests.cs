using YamlDotNet.RepresentationModel;

namespace Allocator.Tests.Helm;

public class ChartRedisTests
{
    [Fact]
    public void Bundled_redis_is_the_primary_service_of_the_bitnami_chart_with_its_password()
    {
        var chart = ChartRenderer.Render();

        Assert.Equal("alloc-redis-master:6379", chart.Env["Allocator__Redis"]);
        var secret = Manifest.Map(chart.EnvEntry("Allocator__RedisPassword"), "valueFrom", "secretKeyRef");
        Assert.Equal("alloc-redis", Manifest.Text(secret, "name"));
        Assert.Equal("redis-password", Manifest.Text(secret, "key"));
        Assert.DoesNotContain("Allocator__RedisTls", chart.Env.Keys);
        Assert.DoesNotContain("Allocator__RedisUser", chart.Env.Keys);
    }

    [Fact]
    public void Bundled_redis_names_follow_the_bitnami_chart()
    {
        // bitnami/redis names its objects after the release alone when the release name contains "redis".
        Assert.Equal("game-redis-master:6379", ChartRenderer.RenderAs("game-redis").Env["Allocator__Redis"]);
        Assert.Equal("cache-master:6380", ChartRenderer.Render("--set", "redis.fullnameOverride=cache,redis.master.service.ports.redis=6380").Env["Allocator__Redis"]);

        var own = ChartRenderer.Render("--set", "redis.auth.existingSecret=mine,redis.auth.existingSecretPasswordKey=pw");
        var secret = Manifest.Map(own.EnvEntry("Allocator__RedisPassword"), "valueFrom", "secretKeyRef");
        Assert.Equal(("mine", "pw"), (Manifest.Text(secret, "name"), Manifest.Text(secret, "key")));

        Assert.DoesNotContain(ChartRenderer.Render("--set", "redis.auth.enabled=false").EnvEntries, e => Manifest.Text(e, "name") == "Allocator__RedisPassword");
    }

    [Fact]
    public void Chart_depends_on_bitnami_redis_with_append_only_persistence_and_auth()
    {
        var chartYaml = LoadYaml("Chart.yaml");
        var dependency = Assert.Single(Manifest.Items(chartYaml, "dependencies"));
        Assert.Equal("redis", Manifest.Text(dependency, "name"));
        Assert.Equal("redis.enabled", Manifest.Text(dependency, "condition"));
        Assert.StartsWith("20.", Manifest.Text(dependency, "version"));
        Assert.Contains("bitnami", Manifest.Text(dependency, "repository"));
        Assert.Equal("0.1.0", Manifest.Text(chartYaml, "version"));
        Assert.Equal("0.1.0", Manifest.Text(chartYaml, "appVersion"));

        var values = LoadYaml("values.yaml");
        Assert.Equal("true", Manifest.Text(values, "redis", "enabled"));
        Assert.Equal("standalone", Manifest.Text(values, "redis", "architecture"));
        Assert.Equal("true", Manifest.Text(values, "redis", "auth", "enabled"));
        Assert.Equal("true", Manifest.Text(values, "redis", "master", "persistence", "enabled"));
        var config = Manifest.Text(values, "redis", "commonConfiguration")!.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("appendonly yes", config);
        Assert.Contains("maxmemory-policy noeviction", config);
    }

    [Fact]
    public void External_redis_passes_host_user_password_and_tls_ca()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["external-redis"]);
        var env = chart.Env;

        Assert.Equal("redis.internal:6380", env["Allocator__Redis"]);
        Assert.Equal("allocator", env["Allocator__RedisUser"]);
        Assert.Equal("true", env["Allocator__RedisTls"]);
        var secret = Manifest.Map(chart.EnvEntry("Allocator__RedisPassword"), "valueFrom", "secretKeyRef");
        Assert.Equal(("redis-auth", "password"), (Manifest.Text(secret, "name"), Manifest.Text(secret, "key")));

        var caFile = env["Allocator__RedisCaFile"];
        var mount = chart.VolumeMount("redis-ca")!;
        Assert.Equal(Manifest.Text(mount, "mountPath"), Path.GetDirectoryName(caFile));
        Assert.Equal("true", Manifest.Text(mount, "readOnly"));
        var volume = chart.Volume("redis-ca");
        Assert.Equal("redis-ca", Manifest.Text(volume, "secret", "secretName"));
        Assert.Equal(Path.GetFileName(caFile), Manifest.Text(Assert.Single(Manifest.Items(volume, "secret", "items")), "path"));
    }

    [Fact]
    public void External_redis_without_a_password_secret_or_tls_sets_neither()
    {
        var env = ChartRenderer.Render("--set", "redis.enabled=false,externalRedis.host=10.0.0.5").Env;

        Assert.Equal("10.0.0.5:6379", env["Allocator__Redis"]);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("Allocator__Redis", StringComparison.Ordinal) && k != "Allocator__Redis");
    }

    private static YamlMappingNode LoadYaml(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, file))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
