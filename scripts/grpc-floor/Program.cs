using System.Net;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// `dotnet GrpcFloor.dll --port N`: h2c on 127.0.0.1:N, grpc.health.v1 answering SERVING for "".
// What any grpc-dotnet service pays per unary call before doing any work of its own.
var port = int.Parse(args.SkipWhile(a => a != "--port").Skip(1).FirstOrDefault() ?? "50051");
var builder = WebApplication.CreateBuilder(args); // the host a service gets from the template, as Allocator.Service does
// As in the service: no log line per request.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Grpc", LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc();
var health = new HealthServiceImpl();
health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
builder.Services.AddSingleton(health);

var app = builder.Build();
app.MapGrpcService<HealthServiceImpl>();
app.Run();
