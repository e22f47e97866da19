namespace Allocator.Service.Processing;

internal static partial class ProcessingLog
{
    [LoggerMessage(2001, LogLevel.Information, "Leading: replica {Replica} epoch {Epoch}; {Servers} game servers from {Source} in {LoadMs} ms; ready in {Elapsed} ms")]
    public static partial void TermStarted(ILogger logger, string replica, long epoch, int servers, string source, long loadMs, long elapsed);

    [LoggerMessage(2002, LogLevel.Warning, "Stepping down: replica {Replica} epoch {Epoch} no longer holds the lease (fenced)")]
    public static partial void Fenced(ILogger logger, string replica, long epoch);

    [LoggerMessage(2003, LogLevel.Warning, "Stepping down: replica {Replica} epoch {Epoch} could not extend its lease")]
    public static partial void LeaseExpired(ILogger logger, string replica, long epoch);

    [LoggerMessage(2004, LogLevel.Error, "Leadership term ended by a Redis failure: {Reason}")]
    public static partial void TermFailed(ILogger logger, string reason);

    [LoggerMessage(2016, LogLevel.Information, "Leadership term ended: Redis unreachable ({Reason})")]
    public static partial void TermEndedByOutage(ILogger logger, string reason);

    [LoggerMessage(2017, LogLevel.Information, "Stepping down: replica {Replica} epoch {Epoch} could not extend its lease while Redis is unreachable")]
    public static partial void LeaseLostWithRedis(ILogger logger, string replica, long epoch);

    [LoggerMessage(2005, LogLevel.Information, "Leader lease released and announced")]
    public static partial void LeaseReleased(ILogger logger);

    [LoggerMessage(2008, LogLevel.Warning, "Stepping down: replica {Replica} epoch {Epoch} commit refused ({Status})")]
    public static partial void CommitRefused(ILogger logger, string replica, long epoch, string status);

    [LoggerMessage(2009, LogLevel.Information, "{Count} requests were answered at their deadline while being decided; batch decided again")]
    public static partial void CommitConflict(ILogger logger, int count);

    [LoggerMessage(2010, LogLevel.Error, "Leadership term failed unexpectedly; competing again after a pause")]
    public static partial void TermCrashed(ILogger logger, Exception exception);

    [LoggerMessage(2011, LogLevel.Information, "Handing over: replica {Replica} epoch {Epoch} yields to {Successor} running newer version {Version}")]
    public static partial void HandingOver(ILogger logger, string replica, long epoch, string successor, string version);

    [LoggerMessage(2018, LogLevel.Information, "Handing over partition {Partition}: replica {Replica} leads {Leading}, more than its share; epoch {Epoch} yields to {Successor}, which leads {SuccessorLeads}")]
    public static partial void HandingOverForBalance(ILogger logger, int partition, string replica, int leading, long epoch, string successor, int successorLeads);

    [LoggerMessage(2012, LogLevel.Information, "Warmed up the leader's path in {Elapsed} ms; ready")]
    public static partial void WarmedUp(ILogger logger, long elapsed);

    [LoggerMessage(2013, LogLevel.Information, "Replica {Replica} epoch {Epoch}: first answers committed {Elapsed} ms after taking the lease ({Count} requests, batch {BatchMs:F1} ms); the oldest had waited {GapMs} ms for a leader")]
    public static partial void FirstAnswers(ILogger logger, string replica, long epoch, long elapsed, int count, double batchMs, long gapMs);

    [LoggerMessage(2014, LogLevel.Information, "Epoch {Epoch}: {Batches} batches, {PerSecond:F0} requests/s, mean batch {MeanBatch:F1}; per batch: read {Read:F2} ms, lookup {Lookup:F2} ms, decide {Decide:F2} ms, commit {Commit:F2} ms")]
    public static partial void BatchStats(ILogger logger, long epoch, long batches, double perSecond, double meanBatch, double read, double lookup, double decide, double commit);

    [LoggerMessage(2015, LogLevel.Warning, "Warm-up could not load the fleet copy or rehearse the Redis path: {Reason}")]
    public static partial void WarmupIncomplete(ILogger logger, string reason);

    [LoggerMessage(2006, LogLevel.Warning, "Could not release the leader lease: {Reason}")]
    public static partial void ReleaseFailed(ILogger logger, string reason);
}
