# Multi-stage: build with the SDK, run on the ASP.NET runtime as a non-root user.
# Works with a read-only root filesystem (nothing is written outside /tmp).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props Allocator.sln ./
COPY Allocator.Protos/Allocator.Protos.csproj Allocator.Protos/
COPY Allocator.Service/Allocator.Service.csproj Allocator.Service/
RUN dotnet restore Allocator.Service/Allocator.Service.csproj
COPY Allocator.Protos/ Allocator.Protos/
COPY Allocator.Service/ Allocator.Service/
RUN dotnet publish Allocator.Service/Allocator.Service.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    DOTNET_gcServer=0
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Allocator.Service.dll"]
