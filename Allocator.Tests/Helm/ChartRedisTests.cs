using System.Security.Cryptography;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Allocator.Tests.Helm;

public class ChartRedisTests
{
    private const string RedisHaRepository = "https://dandydeveloper.github.io/charts/";

    [Fact]
    public void Bundled_redis_is_reached_through_the_sentinels_of_redis_ha_with_its_password()
    {
        var chart = ChartRenderer.Render();

        // The allocator asks each Sentinel (redis-ha's announce Service of each node, port
        // 26379) for the primary named serviceName, and follows the one a majority names.
        Assert.Equal("alloc-redis-ha-announce-0:26379,alloc-redis-ha-announce-1:26379,alloc-redis-ha-announce-2:26379,serviceName=mymaster", chart.Env["Allocator__Redis"]);
        var secret = Manifest.Map(chart.EnvEntry("Allocator__RedisPassword"), "valueFrom", "secretKeyRef");
        Assert.Equal(("alloc-redis-ha-auth", "auth"), (Manifest.Text(secret, "name"), Manifest.Text(secret, "key")));
        Assert.Equal("1", chart.Env["Allocator__MinReplicas"]);
        Assert.DoesNotContain("Allocator__ReplicaWait", chart.Env.Keys);
        Assert.DoesNotContain("Allocator__RedisTls", chart.Env.Keys);
        Assert.DoesNotContain("Allocator__RedisUser", chart.Env.Keys);

        // redis-ha does not generate a password: the chart does, into the Secret that
        // redis-ha.existingSecret and redis-ha.sentinel.existingSecret name (templates).
        var values = LoadYaml("values.yaml");
        Assert.Equal("{{ .Release.Name }}-redis-ha-auth", Manifest.Text(values, "redis-ha", "existingSecret"));
        Assert.Equal(Manifest.Text(values, "redis-ha", "existingSecret"), Manifest.Text(values, "redis-ha", "sentinel", "existingSecret"));
        Assert.Equal(Manifest.Text(values, "redis-ha", "authKey"), Manifest.Text(values, "redis-ha", "sentinel", "authKey"));
        var generated = chart.Single("Secret", "alloc-redis-ha-auth");
        var password = Encoding.ASCII.GetString(Convert.FromBase64String(Manifest.StringMap(generated.Root, "data")["auth"]));
        Assert.Matches("^[A-Za-z0-9]{32}$", password);
    }

    [Fact]
    public void Bundled_redis_names_and_password_follow_the_redis_ha_chart()
    {
        // redis-ha names its objects after the release alone when the release name contains "redis-ha".
        Assert.StartsWith("game-redis-ha-announce-0:26379,", ChartRenderer.RenderAs("game-redis-ha").Env["Allocator__Redis"]);
        var renamed = ChartRenderer.Render("--set", "redis-ha.fullnameOverride=cache,redis-ha.sentinel.port=26380,redis-ha.redis.masterGroupName=fleet-a,redis-ha.replicas=2");
        Assert.Equal("cache-announce-0:26380,cache-announce-1:26380,serviceName=fleet-a", renamed.Env["Allocator__Redis"]);

        // Your own Secret for Redis and the Sentinels: the chart generates none.
        var own = ChartRenderer.Render("--set", "redis-ha.existingSecret=mine,redis-ha.authKey=pw,redis-ha.sentinel.existingSecret=mine,redis-ha.sentinel.authKey=pw");
        var secret = Manifest.Map(own.EnvEntry("Allocator__RedisPassword"), "valueFrom", "secretKeyRef");
        Assert.Equal(("mine", "pw"), (Manifest.Text(secret, "name"), Manifest.Text(secret, "key")));
        Assert.DoesNotContain(own.OfKind("Secret"), s => s.Name!.EndsWith("-redis-ha-auth", StringComparison.Ordinal)); // no Redis password Secret

        // A literal redis-ha.redisPassword: redis-ha makes the Secret "<fullname>" itself.
        var literal = ChartRenderer.Render("--set", "redis-ha.redisPassword=x,redis-ha.existingSecret=,redis-ha.sentinel.auth=false");
        secret = Manifest.Map(literal.EnvEntry("Allocator__RedisPassword"), "valueFrom", "secretKeyRef");
        Assert.Equal(("alloc-redis-ha", "auth"), (Manifest.Text(secret, "name"), Manifest.Text(secret, "key")));

        var open = ChartRenderer.Render("--set", "redis-ha.auth=false,redis-ha.sentinel.auth=false");
        Assert.DoesNotContain(open.EnvEntries, e => Manifest.Text(e, "name") == "Allocator__RedisPassword");
        Assert.DoesNotContain(open.OfKind("Secret"), s => s.Name!.EndsWith("-redis-ha-auth", StringComparison.Ordinal)); // no Redis password Secret
    }

    [Fact]
    public void Replication_acknowledgements_are_a_chart_value_for_bundled_and_external_redis()
    {
        Assert.Equal("0", ChartRenderer.Render("--set", "redisReplication.minReplicas=0").Env["Allocator__MinReplicas"]);

        var everything = ChartRenderer.Render(ChartExpectations.Scenarios["everything-set"]).Env;
        Assert.Equal("2", everything["Allocator__MinReplicas"]);
        Assert.Equal("00:00:00.500", everything["Allocator__ReplicaWait"]);

        // An external Redis keeps the service's default (0) unless told, since it may have no replicas.
        Assert.DoesNotContain("Allocator__MinReplicas", ChartRenderer.Render(ChartExpectations.Scenarios["external-redis"]).Env.Keys);
        var external = ChartRenderer.Render(ChartExpectations.Scenarios["external-sentinel"]).Env;
        Assert.Equal("1", external["Allocator__MinReplicas"]);
    }

    [Fact]
    public void Chart_pins_redis_ha_and_chart_lock_agrees_with_chart_yaml()
    {
        var chartYaml = LoadYaml("Chart.yaml");
        var dependency = Assert.Single(Manifest.Items(chartYaml, "dependencies"));
        Assert.Equal("redis-ha", Manifest.Text(dependency, "name"));
        Assert.Equal("redis-ha.enabled", Manifest.Text(dependency, "condition"));
        Assert.Equal(RedisHaRepository, Manifest.Text(dependency, "repository"));
        var version = Manifest.Text(dependency, "version")!;
        Assert.Matches(@"^\d+\.\d+\.\d+$", version); // one release, not a range
        Assert.Null(Manifest.Node(dependency, "alias"));
        Assert.Equal("0.1.0", Manifest.Text(chartYaml, "version"));
        Assert.Equal("0.1.0", Manifest.Text(chartYaml, "appVersion"));

        var chartLock = LoadYaml("Chart.lock");
        var locked = Assert.Single(Manifest.Items(chartLock, "dependencies"));
        Assert.Equal(("redis-ha", RedisHaRepository, version), (Manifest.Text(locked, "name"), Manifest.Text(locked, "repository"), Manifest.Text(locked, "version")));
        Assert.True(DateTimeOffset.TryParse(Manifest.Text(chartLock, "generated"), out _));
        // `helm dependency build` refuses a Chart.lock whose digest does not match Chart.yaml.
        Assert.Equal(HelmLockDigest(Manifest.Items(chartYaml, "dependencies"), Manifest.Items(chartLock, "dependencies")), Manifest.Text(chartLock, "digest"));
    }

    [Fact]
    public void Bundled_redis_values_keep_acknowledged_writes_through_restarts_and_failovers()
    {
        var values = LoadYaml("values.yaml");
        Assert.Null(Manifest.Node(values, "redis")); // the former bitnami/redis section
        Assert.Equal("true", Manifest.Text(values, "redis-ha", "enabled"));
        Assert.Equal("3", Manifest.Text(values, "redis-ha", "replicas"));
        Assert.Equal("true", Manifest.Text(values, "redis-ha", "auth"));
        Assert.Equal("true", Manifest.Text(values, "redis-ha", "sentinel", "auth"));
        Assert.Equal("true", Manifest.Text(values, "redis-ha", "persistentVolume", "enabled"));
        Assert.Equal("false", Manifest.Text(values, "redis-ha", "haproxy", "enabled"));

        // redis-ha writes each entry as "key value" into redis.conf.
        var config = Manifest.Map(values, "redis-ha", "redis", "config").Children
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlScalarNode)c.Value);
        Assert.Equal("yes", config["appendonly"].Value);
        Assert.NotEqual(ScalarStyle.Plain, config["appendonly"].Style); // a bare yes is a YAML 1.1 boolean: "appendonly true"
        Assert.Equal("everysec", config["appendfsync"].Value);
        Assert.Equal("\"\"", config["save"].Value); // save "" turns RDB snapshots off
        Assert.Equal("noeviction", config["maxmemory-policy"].Value);
        Assert.True(int.Parse(config["min-replicas-to-write"].Value!) >= 1, "an isolated primary must refuse writes");
        Assert.InRange(int.Parse(config["min-replicas-max-lag"].Value!), 1, 10);
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
        Assert.DoesNotContain(chart.OfKind("Secret"), s => s.Name!.EndsWith("-redis-ha-auth", StringComparison.Ordinal)); // no Redis password Secret

        var caFile = env["Allocator__RedisCaFile"];
        var mount = chart.VolumeMount("redis-ca")!;
        Assert.Equal(Manifest.Text(mount, "mountPath"), Path.GetDirectoryName(caFile));
        Assert.Equal("true", Manifest.Text(mount, "readOnly"));
        var volume = chart.Volume("redis-ca");
        Assert.Equal("redis-ca", Manifest.Text(volume, "secret", "secretName"));
        Assert.Equal(Path.GetFileName(caFile), Manifest.Text(Assert.Single(Manifest.Items(volume, "secret", "items")), "path"));
    }

    [Fact]
    public void External_sentinels_are_given_as_endpoints_and_the_primary_name()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["external-sentinel"]);

        Assert.Equal("sentinel-0.redis:26379,sentinel-1.redis:26379,serviceName=fleet", chart.Env["Allocator__Redis"]);
        var secret = Manifest.Map(chart.EnvEntry("Allocator__RedisPassword"), "valueFrom", "secretKeyRef");
        Assert.Equal(("redis-auth", "redis-password"), (Manifest.Text(secret, "name"), Manifest.Text(secret, "key")));
    }

    [Fact]
    public void External_redis_without_a_password_secret_or_tls_sets_neither()
    {
        var env = ChartRenderer.Render("--set", "redis-ha.enabled=false,externalRedis.host=10.0.0.5").Env;

        Assert.Equal("10.0.0.5:6379", env["Allocator__Redis"]);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("Allocator__Redis", StringComparison.Ordinal) && k != "Allocator__Redis");
    }

    /// <summary>
    /// The digest Helm 3 writes into Chart.lock (internal/resolver HashReq): "sha256:" and the
    /// SHA-256 of Go's encoding/json of [Chart.yaml's dependencies, the locked ones], each a
    /// chart.Dependency: name, version (omitempty), repository, condition, tags, enabled,
    /// import-values, alias (all omitempty), in that order.
    /// </summary>
    internal static string HelmLockDigest(IEnumerable<YamlMappingNode> requested, IEnumerable<YamlMappingNode> locked)
    {
        var json = new StringBuilder("[");
        foreach (var list in new[] { requested, locked })
        {
            if (json.Length > 1) json.Append(',');
            json.Append('[').AppendJoin(',', list.Select(DependencyJson)).Append(']');
        }

        json.Append(']');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json.ToString())));
    }

    private static string DependencyJson(YamlMappingNode d)
    {
        var known = new[] { "name", "version", "repository", "condition", "tags", "import-values", "alias" };
        var unknown = d.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Except(known).ToList();
        Assert.True(unknown.Count == 0, $"HelmLockDigest does not encode {string.Join(", ", unknown)}");

        var fields = new List<string> { $"\"name\":{GoString(Manifest.Text(d, "name") ?? "")}" };
        if (Manifest.Text(d, "version") is { Length: > 0 } version) fields.Add($"\"version\":{GoString(version)}");
        fields.Add($"\"repository\":{GoString(Manifest.Text(d, "repository") ?? "")}");
        if (Manifest.Text(d, "condition") is { Length: > 0 } condition) fields.Add($"\"condition\":{GoString(condition)}");
        if (Manifest.Strings(d, "tags") is { Count: > 0 } tags) fields.Add($"\"tags\":[{string.Join(',', tags.Select(GoString))}]");
        // import-values: only the plain form, a list of names (a child/parent pair is a mapping).
        if (Manifest.Strings(d, "import-values") is { Count: > 0 } imports) fields.Add($"\"import-values\":[{string.Join(',', imports.Select(GoString))}]");
        if (Manifest.Text(d, "alias") is { Length: > 0 } alias) fields.Add($"\"alias\":{GoString(alias)}");
        return "{" + string.Join(',', fields) + "}";
    }

    /// <summary>A JSON string as Go's encoding/json writes it (HTML characters escaped).</summary>
    private static string GoString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }

    [Fact]
    public void Lock_digest_matches_one_helm_computed()
    {
        // helm/helm pkg/chartutil/testdata/import-values-from-enabled-subchart/parent-chart:
        // its Chart.yaml dependencies and the Chart.lock Helm wrote for them.
        var requested = Yaml("""
            - name: dev
              repository: "file://envs/dev"
              version: ">= 0.0.1"
              condition: dev.enabled,global.dev.enabled
              tags:
                - dev
              import-values:
                - data
            - name: prod
              repository: "file://envs/prod"
              version: ">= 0.0.1"
              condition: prod.enabled,global.prod.enabled
              tags:
                - prod
              import-values:
                - data
            """);
        var locked = Yaml("""
            - name: dev
              repository: file://envs/dev
              version: v0.1.0
            - name: prod
              repository: file://envs/prod
              version: v0.1.0
            """);
        Assert.Equal("sha256:9403fc24f6cf9d6055820126cf7633b4bd1fed3c77e4880c674059f536346182", HelmLockDigest(requested, locked));
    }

    private static List<YamlMappingNode> Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return ((YamlSequenceNode)stream.Documents[0].RootNode).Children.Cast<YamlMappingNode>().ToList();
    }

    private static YamlMappingNode LoadYaml(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, file))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
