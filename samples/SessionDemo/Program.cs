using SessionDemo;

await DemoApp.Build(args).RunAsync();
