import 'reflect-metadata';
import { startProcess } from 'src/bootstrap';

// Queue workers only, no HTTP: reports, evidence packages, checkpoints, verification.
void startProcess('worker');
