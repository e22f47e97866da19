using Allocator.Service.Storage;

namespace Allocator.Tests.Storage;

public class StreamIdsTests
{
    [Theory]
    [InlineData("9-5", "10-0", true)] // by number, not as text
    [InlineData("10-2", "10-10", true)]
    [InlineData("10-10", "10-2", false)]
    [InlineData("10-1", "10-1", false)]
    [InlineData("11-0", "10-99", false)]
    public void Ids_compare_by_time_then_sequence(string a, string b, bool older) =>
        Assert.Equal(older, StreamIds.Older(a, b));
}
