namespace Allocator.Tests.Helm;

/// <summary>Values the chart refuses, with a message that names what to fix.</summary>
public class ChartValidationTests
{
    [Theory]
    [InlineData("redis.enabled=false", "externalRedis.host is required when redis.enabled=false")]
    [InlineData("terminationGracePeriodSeconds=25", "terminationGracePeriodSeconds (25) must be above")]
    [InlineData("config.shutdownTimeout=00:01:00", "config.shutdownTimeout (0 + 60 s)")]
    [InlineData("lifecycle.preStopSleepSeconds=10", "lifecycle.preStopSleepSeconds + config.shutdownTimeout (10 + 25 s)")]
    [InlineData("replicaCount=2", "podDisruptionBudget.minAvailable (2) must be below replicaCount (2)")]
    [InlineData("inventory.source=agones", "inventory.source must be standalone or kubernetes")]
    [InlineData("podAntiAffinity=sometimes", "podAntiAffinity must be preferred, required or none")]
    [InlineData("ports.ops=8443", "ports.grpc and ports.ops must differ")]
    [InlineData("redis.sentinel.enabled=true", "redis.sentinel.enabled is not supported")]
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
    public void Consistent_alternatives_render(string set)
    {
        Assert.NotEmpty(ChartRenderer.Render("--set", set).Manifests);
    }
}
