Console.WriteLine("swarmctl");
