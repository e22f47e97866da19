using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// How this replica's connections reach the Redis primary: straight to the configured address
/// (one server, or a managed endpoint that moves to a new server after a failover), or, when
/// <see cref="RedisOptions.Redis"/> names Sentinels with <c>serviceName=</c>, through a
/// <see cref="PrimaryRelay"/> that follows the primary a majority of them name.
/// </summary>
public sealed class RedisRoute : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly string? _service;
    private readonly SentinelPrimary? _sentinels;
    private readonly PrimaryRelay? _relay;

    public RedisRoute(IOptions<RedisOptions> options, ILogger<RedisRoute> log)
    {
        _options = options.Value;
        var config = RedisConnection.Configuration(_options, "allocator");
        if (string.IsNullOrEmpty(config.ServiceName)) return;
        _service = config.ServiceName;
        _sentinels = SentinelPrimary.StartAsync(config, log).GetAwaiter().GetResult();
        _relay = new PrimaryRelay(_sentinels, log);
    }

    /// <summary>The configuration of one connection to the primary, named <paramref name="clientName"/>.</summary>
    public ConfigurationOptions Configuration(string clientName)
    {
        var config = RedisConnection.Configuration(_options, clientName);
        if (_relay is null) return config;
        config.ServiceName = null;
        config.EndPoints.Clear();
        config.EndPoints.Add(_relay.EndPoint);
        return config;
    }

    /// <summary>An endpoint as an operator knows it: behind the relay, the primary the Sentinels name.</summary>
    public string Describe(EndPoint endpoint) =>
        _relay is not null && endpoint.Equals(_relay.EndPoint)
            ? $"primary of {_service} ({(_sentinels!.Current is { } primary ? EndPointCollection.ToString(primary) : "none named")})"
            : EndPointCollection.ToString(endpoint);

    public async ValueTask DisposeAsync()
    {
        if (_relay is not null) await _relay.DisposeAsync();
        if (_sentinels is not null) await _sentinels.DisposeAsync();
    }
}
