namespace Allocator.Tests.Helm;

/// <summary>Values the chart refuses, with a message that names what to fix.</summary>
public class ChartValidationTests
{
    [Theory]
    [InlineData("redis-ha.enabled=false", "externalRedis.host is required when redis-ha.enabled=false")]
    [InlineData("redis-ha.enabled=false,externalRedis.sentinel.endpoints={s:26379}", "externalRedis.sentinel.serviceName is required")]
    [InlineData("externalRedis.host=redis.internal", "externalRedis.host is set but the bundled Redis is on")]
    [InlineData("terminationGracePeriodSeconds=25", "terminationGracePeriodSeconds (25) must be above")]
    [InlineData("config.shutdownTimeout=00:01:00", "config.shutdownTimeout (0 + 60 s)")]
    [InlineData("lifecycle.preStopSleepSeconds=10", "lifecycle.preStopSleepSeconds + config.shutdownTimeout (10 + 25 s)")]
    [InlineData("replicaCount=2", "podDisruptionBudget.minAvailable (2) must be below replicaCount (2)")]
    [InlineData("inventory.source=agones", "inventory.source must be standalone or kubernetes")]
    [InlineData("podAntiAffinity=sometimes", "podAntiAffinity must be preferred, required or none")]
    [InlineData("ports.ops=8443", "ports.grpc and ports.ops must differ")]
    [InlineData("redis.enabled=false", "redis.* configured the former bitnami/redis dependency")]
    [InlineData("redis.architecture=standalone", "redis.* configured the former bitnami/redis dependency")]
    [InlineData("redis-ha.redis.tlsPort=6380", "redis-ha.redis.tlsPort / redis-ha.sentinel.tlsPort are not wired")]
    [InlineData("redis-ha.sentinel.authKey=sentinel-password", "must name the same Secret and key as redis-ha.existingSecret/authKey")]
    [InlineData("redis-ha.replicas=1", "redisReplication.minReplicas (1, the default with the bundled Redis) must be below redis-ha.replicas (1)")]
    [InlineData("redisReplication.minReplicas=3", "redisReplication.minReplicas (3) must be below redis-ha.replicas (3)")]
    [InlineData("redisReplication.minReplicas=one", "redisReplication.minReplicas must be a whole number")]
    [InlineData("redis-ha.replicas=2,redis-ha.redis.config.min-replicas-to-write=2", "min-replicas-to-write (2) must be below redis-ha.replicas (2)")]
    [InlineData("tls.clientCa.existingSecret=callers,tls.clientCa.certificates.a\\.crt=pem", "tls.clientCa.existingSecret and tls.clientCa.certificates: set one")]
    [InlineData("tls.clientCa.certificates.a\\.txt=pem", "tls.clientCa.certificates: \"a.txt\" must end in .crt or .pem")]
    [InlineData("image.repository=", "image.repository is required: build the image")]
    [InlineData("image.repository=registry.example.com/allocator", "is a placeholder (example.com)")]
    [InlineData("service.type=Ingress", "service.type must be ClusterIP, LoadBalancer or NodePort")]
    [InlineData("inventory.source=kubernetes,inventory.seedConfigMap=seed", "inventory.seed / seedConfigMap / demoFleet are for stand-alone mode")]
    [InlineData("multiCluster.enabled=true", "multiCluster.enabled needs inventory.source=kubernetes")]
    [InlineData("kubernetesApi.enabled=true,tls.enabled=false", "kubernetesApi.enabled needs tls.enabled")]
    [InlineData("kubernetesApi.apiService.create=true", "kubernetesApi.apiService.create needs kubernetesApi.enabled")]
    [InlineData("kubernetesApi.enabled=true,kubernetesApi.apiService.create=true,tls.existingSecret=allocator-cert", "kubernetesApi.apiService: no CA bundle")]
    [InlineData("inventory.seedConfigMap=seed,inventory.seed[0].name=gs-1", "inventory.seed and inventory.seedConfigMap are both set")]
    [InlineData("partitions.count=2,inventory.source=kubernetes", "partitions.count (2) above 1 is for stand-alone mode")]
    [InlineData("partitions.count=0", "partitions.count must be from 1 to 256, not 0")]
    [InlineData("partitions.count=257", "partitions.count must be from 1 to 256, not 257")]
    [InlineData("partitions.count=two", "partitions.count must be a whole number")]
    [InlineData("partitions.by=Region", "partitions.by must be Fleet or Namespace, not \"Region\"")]
    [InlineData("partitions.count=2,partitions.table.arena=2", "partitions.table.arena is 2: a partition must be from 0 to partitions.count - 1 (1)")]
    [InlineData("partitions.table.a__b=0", "partitions.table: \"a__b\" is not a fleet or namespace name")]
    [InlineData("externalRedis.cluster.enabled=true", "the bundled redis-ha is one primary with replicas behind Sentinels, not a cluster")]
    [InlineData("redis-ha.enabled=false,externalRedis.cluster.enabled=true", "externalRedis.cluster.nodes is required with externalRedis.cluster.enabled")]
    [InlineData("redis-ha.enabled=false,externalRedis.cluster.enabled=true,externalRedis.cluster.nodes={redis-0}", "externalRedis.cluster.nodes: \"redis-0\" is not host:port")]
    [InlineData("redis-ha.enabled=false,externalRedis.host=r,externalRedis.cluster.enabled=true,externalRedis.cluster.nodes={r:6379}", "a Redis Cluster is reached through its nodes alone")]
    public void Refused_values_fail_with_a_clear_message(string set, string message)
    {
        var result = ChartRenderer.Run(ChartRenderer.Release, ["--set", set]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.StartsWith("Error: execution error at (allocator/templates/", result.Error);
    }

    [Theory]
    [InlineData("replicaCount=2,podDisruptionBudget.minAvailable=1")]
    [InlineData("replicaCount=1,podDisruptionBudget.enabled=false")]
    [InlineData("podDisruptionBudget.minAvailable=50%")]
    [InlineData("terminationGracePeriodSeconds=70,config.shutdownTimeout=00:01:00")]
    [InlineData("podAntiAffinity=required")]
    [InlineData("podAntiAffinity=none")]
    [InlineData("redis-ha.replicas=1,redis-ha.redis.config.min-replicas-to-write=0,redisReplication.minReplicas=0")]
    [InlineData("redis-ha.enabled=false,externalRedis.host=redis.internal,redisReplication.minReplicas=2")]
    [InlineData("partitions.count=256,partitions.by=namespace,partitions.table.eu-west\\.1=255")]
    [InlineData("redis-ha.enabled=false,externalRedis.cluster.enabled=true,externalRedis.cluster.nodes={10.0.0.1:7000}")]
    public void Consistent_alternatives_render(string set)
    {
        Assert.NotEmpty(ChartRenderer.Render("--set", set).Manifests);
    }
}
