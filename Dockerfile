# Allocator.Service image: built with the .NET SDK, run on the ASP.NET runtime as the image's
# non-root user (APP_UID 1654). Nothing is written outside /tmp, so it runs with a read-only root
# filesystem (the Helm chart mounts an emptyDir on /tmp).
#   docker build -t allocator:0.1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so a code change reuses the package layer.
COPY Directory.Build.props Directory.Packages.props ./
COPY Allocator.Protos/Allocator.Protos.csproj Allocator.Protos/
COPY Allocator.Service/Allocator.Service.csproj Allocator.Service/
RUN dotnet restore Allocator.Service/Allocator.Service.csproj -r linux-x64
COPY Allocator.Protos/ Allocator.Protos/
COPY Allocator.Service/ Allocator.Service/
# ReadyToRun: precompiled code, so a new replica in a rollout spends little CPU compiling while
# the leader (often on the same node) keeps answering. scripts/chaos.sh runs the same publish.
RUN dotnet publish Allocator.Service/Allocator.Service.csproj -c Release -o /app --no-restore -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
# Files stay owned by root: the app user can read them, not change them.
COPY --from=build /app ./
ENV DOTNET_gcServer=0 \
    DOTNET_NOLOGO=1 \
    TMPDIR=/tmp
# 8443: gRPC Allocate + REST (Allocator:Port); 8080: /healthz, /readyz, /metrics (Allocator:OpsPort).
EXPOSE 8443 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Allocator.Service.dll"]
