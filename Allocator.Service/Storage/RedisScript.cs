using System.Reflection;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// A Lua script embedded from <c>Storage/Scripts/*.lua</c>. StackExchange.Redis caches the
/// script per server and sends EVALSHA, re-sending the body once on NOSCRIPT.
/// </summary>
public sealed class RedisScript
{
    private RedisScript(string name, string body)
    {
        Name = name;
        Body = body;
    }

    public string Name { get; }
    public string Body { get; }

    public static RedisScript Load(string name)
    {
        var resource = $"Allocator.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing.");
        using var reader = new StreamReader(stream);
        return new RedisScript(name, reader.ReadToEnd());
    }

    public Task<RedisResult> RunAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args) =>
        db.ScriptEvaluateAsync(Body, keys, args);
}
