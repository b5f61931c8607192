// Medium and e2e tests start real servers and run real jobs; the 5 s default is too tight.
jest.setTimeout(60_000);
