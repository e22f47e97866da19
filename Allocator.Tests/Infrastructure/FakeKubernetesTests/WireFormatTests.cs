using System.Net;
using System.Text.Json;
using Allocator.Tests.Infrastructure.FakeKubernetes;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>The bytes on the wire, read with a plain HttpClient: what the real client relies on without saying so.</summary>
public class WireFormatTests
{
    [Fact]
    public async Task A_watch_is_a_chunked_http11_json_stream_of_one_event_per_line_flushed_as_it_happens()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(api.Url) };
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        var from = api.ResourceVersion;

        using var response = await http.GetAsync($"/apis/agones.dev/v1/namespaces/default/gameservers?watch=true&resourceVersion={from}",
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        api.Put(FakeKubernetesApi.GameServer("default", "b"));
        var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var evt = JsonDocument.Parse(line!);
        Assert.Equal("ADDED", evt.RootElement.GetProperty("type").GetString());
        Assert.Equal("b", evt.RootElement.GetProperty("object").Name());
    }

    [Fact]
    public async Task Errors_are_status_objects_with_the_http_code()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(api.Url) };

        using var response = await http.GetAsync("/apis/agones.dev/v1/namespaces/default/gameservers/nope");
        using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Status", status.RootElement.GetProperty("kind").GetString());
        Assert.Equal("Failure", status.RootElement.GetProperty("status").GetString());
        Assert.Equal("NotFound", status.RootElement.GetProperty("reason").GetString());
        Assert.Equal(404, status.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("gameservers.agones.dev \"nope\" not found", status.RootElement.GetProperty("message").GetString());
    }
}
