import 'reflect-metadata';
import { startProcess } from 'src/bootstrap';

// The HTTP API; with RUN_WORKERS (the default) it also runs the queue workers in this process.
void startProcess('api');
