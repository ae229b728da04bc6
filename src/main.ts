console.log('hello');
import { y } from "./x"; console.log(y);
